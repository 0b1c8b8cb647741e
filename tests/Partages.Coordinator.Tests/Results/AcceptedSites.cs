namespace Partages.Coordinator.Tests.Results;

/// <summary>One node of <see cref="AcceptedSites"/>: its client, its open session and the run it accepted.</summary>
public sealed record AcceptedSite(TestNode Node, NodeSessionClient Session, string RunId);

/// <summary>
/// Where a results test starts: the nodes enrolled and connected, one evaluation submitted to all of them, and every
/// node's run accepted (so it takes a result). Disposing it closes the sessions.
/// </summary>
public sealed class AcceptedSites : IAsyncDisposable
{
    private AcceptedSites(Contracts.V1.Evaluation evaluation, IReadOnlyList<AcceptedSite> sites) => (Evaluation, Sites) = (evaluation, sites);

    public Contracts.V1.Evaluation Evaluation { get; }

    /// <summary>In the order the nodes were named.</summary>
    public IReadOnlyList<AcceptedSite> Sites { get; }

    public static async Task<AcceptedSites> StartAsync(
        TestCoordinator server, EvaluationService.EvaluationServiceClient evaluator, string bundle, string spec, params string[] nodeNames)
    {
        ArgumentNullException.ThrowIfNull(server);
        var nodes = new List<(TestNode Node, NodeSessionClient Session)>();
        foreach (var name in nodeNames)
        {
            var node = await server.EnrollNodeAsync(name);
            var session = await node.ConnectWelcomedAsync();
            nodes.Add((node, session));
        }

        var evaluation = await Evaluations.SubmitAsync(evaluator, bundle, spec, nodeNames);
        var sites = new List<AcceptedSite>();
        foreach (var (node, session) in nodes)
        {
            var runId = (await session.ReadOfferAsync()).RunId;
            await session.AcceptAsync(runId);
            sites.Add(new AcceptedSite(node, session, runId));
        }

        return new AcceptedSites(evaluation, sites);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var site in Sites)
        {
            await site.Session.DisposeAsync();
        }
    }
}
