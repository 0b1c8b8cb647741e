namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// A <see cref="CoordinatorFixture"/> with an evaluator's API token and client, and the test bundle uploaded. NUnit runs
/// the base class's set-up first, then this one, then the test class's own.
/// </summary>
public abstract class EvaluatorFixture : CoordinatorFixture
{
    protected EvaluationService.EvaluationServiceClient Evaluator { get; private set; } = null!;

    /// <summary>The evaluator's API token.</summary>
    protected string Token { get; private set; } = "";

    /// <summary>SHA-256 of the uploaded test bundle.</summary>
    protected string Bundle { get; private set; } = "";

    /// <summary>The evaluator's name (the owner of what it submits).</summary>
    protected virtual string EvaluatorName => GetType().Name.ToLowerInvariant();

    [OneTimeSetUp]
    public async Task StartEvaluatorAsync()
    {
        Token = await Server.ApiTokenAsync(EvaluatorName, "evaluator");
        Evaluator = Server.EvaluatorClient(Token);
        Bundle = (await Evaluations.UploadBundleAsync(Evaluator)).Sha256;
    }
}
