using Grpc.Net.Client;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A fixture whose tests share one federation of real processes, started once (minutes on two cores), and an
/// evaluator on it that has uploaded the fixture's bundle.
/// </summary>
public abstract class FederationFixture
{
    private GrpcChannel? _channel;

    protected LocalFederation Federation { get; private set; } = null!;

    protected EvaluatorClient Evaluator { get; private set; } = null!;

    /// <summary>The content hash of the bundle <see cref="StartAsync"/> uploaded.</summary>
    protected string BundleSha256 { get; private set; } = "";

    [OneTimeTearDown]
    public async Task StopFederation()
    {
        _channel?.Dispose();
        if (Federation is not null)
        {
            await Federation.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts the coordinator, lets <paramref name="addNodes"/> start the node agents, then connects as the evaluator
    /// <paramref name="evaluatorName"/> and uploads <paramref name="bundlePath"/>.
    /// </summary>
    protected async Task StartAsync(FederationOptions options, Func<LocalFederation, Task> addNodes, string evaluatorName, string bundlePath)
    {
        Federation = await LocalFederation.StartAsync(options);
        await addNodes(Federation);
        _channel = Federation.CreateEvaluatorChannel(await Federation.CreateApiTokenAsync(evaluatorName, "evaluator"));
        Evaluator = new EvaluatorClient(_channel);
        BundleSha256 = (await Evaluator.UploadBundleAsync(bundlePath)).Sha256;
    }

    /// <summary>Submits <paramref name="spec"/> on the fixture's bundle and follows it to its final state.</summary>
    protected Task<EvaluationView> RunAsync(string spec, CancellationToken cancellationToken) =>
        Evaluator.RunToEndAsync(spec, BundleSha256, cancellationToken);
}
