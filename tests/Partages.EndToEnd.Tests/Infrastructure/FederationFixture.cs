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

    /// <summary>
    /// <see cref="StartAsync"/> with one node per site of <paramref name="sites"/>: site i holds the datasets
    /// <paramref name="datasets"/> gives for i (which may write them first).
    /// </summary>
    protected Task StartSitesAsync(FederationOptions options, IReadOnlyList<string> sites, Func<int, Task<NodeDataset[]>> datasets, string evaluatorName, string bundlePath) =>
        StartAsync(options, async federation =>
        {
            for (var i = 0; i < sites.Count; i++)
            {
                await federation.AddNodeAsync(sites[i], await datasets(i));
            }
        }, evaluatorName, bundlePath);

    /// <inheritdoc cref="StartSitesAsync(FederationOptions, IReadOnlyList{string}, Func{int, Task{NodeDataset[]}}, string, string)"/>
    protected Task StartSitesAsync(FederationOptions options, IReadOnlyList<string> sites, Func<int, NodeDataset[]> datasets, string evaluatorName, string bundlePath) =>
        StartSitesAsync(options, sites, i => Task.FromResult(datasets(i)), evaluatorName, bundlePath);

    /// <summary>Submits <paramref name="spec"/> on the fixture's bundle and follows it to its final state.</summary>
    protected Task<EvaluationView> RunAsync(string spec, CancellationToken cancellationToken) =>
        Evaluator.RunToEndAsync(spec, BundleSha256, cancellationToken);

    /// <summary>
    /// Runs <paramref name="spec"/> to its end, checks that it completed with every one of <paramref name="sites"/>
    /// included; the evaluation, its pooled result and each site's result, in site order.
    /// </summary>
    protected async Task<(EvaluationView Evaluation, PooledResultDocument Result, List<ResultDocument> Sites)> RunCompletedAsync(
        string spec, IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        var evaluation = await RunAsync(spec, cancellationToken);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        result.IncludedSites.Should().Equal(sites);
        return (evaluation, result, [.. sites.Select(s => result.PerSite[s])]);
    }
}
