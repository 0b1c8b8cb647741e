using Partages.Contracts.V1;

namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// One coordinator per test class, an evaluator's API token and client, and the test bundle uploaded; at the end the
/// coordinator is stopped and the class fails if it logged an error. A class needing more (nodes, submissions) adds
/// its own [OneTimeSetUp], which NUnit runs after this one.
/// </summary>
public abstract class EvaluatorFixture
{
    protected TestCoordinator Server { get; private set; } = null!;

    protected EvaluationService.EvaluationServiceClient Evaluator { get; private set; } = null!;

    /// <summary>The evaluator's API token.</summary>
    protected string Token { get; private set; } = "";

    /// <summary>SHA-256 of the uploaded test bundle.</summary>
    protected string Bundle { get; private set; } = "";

    /// <summary>The evaluator's name (the owner of what it submits).</summary>
    protected virtual string EvaluatorName => GetType().Name.ToLowerInvariant();

    [OneTimeSetUp]
    public async Task StartCoordinatorAsync()
    {
        Server = await TestCoordinator.StartAsync();
        Token = await Server.ApiTokenAsync(EvaluatorName, "evaluator");
        Evaluator = Server.EvaluatorClient(Token);
        Bundle = (await Evaluations.UploadBundleAsync(Evaluator)).Sha256;
    }

    [OneTimeTearDown]
    public async Task StopCoordinatorAsync()
    {
        var errors = Server.Errors.Errors.ToList();
        await Server.DisposeAsync();
        errors.Should().BeEmpty();
    }
}
