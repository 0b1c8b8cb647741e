using System.Text;
using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Protocol;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 14 with real processes: pooled-only evaluations summed by secure aggregation between node agents that pin
/// each other's aggregation keys. Sites a, b, c are agents; d is an agent held in manual approval whose part of a sum
/// the test plays with d's own certificate and key (so it can stop right after masking, or replay shares); x is an
/// agent the others never agreed to be pooled with (a Sybil the coordinator, who is the CA, could enroll).
/// Differential privacy is off so the pooled counts can be compared with the sites' releases exactly.
/// </summary>
[NonParallelizable]
public sealed class SecureAggregationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private readonly Dictionary<string, AggregationIdentity> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _datasets = new(StringComparer.Ordinal);
    private string _work = "";
    private string _specPath = "";

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var hospitals = TestAssets.Assets.Hospitals;
        _work = FederationSupport.NewWorkDirectory("secure-aggregation");
        var copy = Path.Combine(_work, "site-d-amr.jsonl");
        File.Copy(hospitals[1].AmrPath, copy);
        (_datasets["site-a"], _datasets["site-b"], _datasets["site-c"], _datasets["site-d"], _datasets["site-x"]) =
            (hospitals[0].AmrPath, hospitals[1].AmrPath, hospitals[2].AmrPath, copy, hospitals[2].AmrPath);
        foreach (var name in _datasets.Keys)
        {
            _keys[name] = SecureSumParticipant.CreateKey(Path.Combine(_work, "nodes", name));
        }

        _specPath = Path.Combine(_work, "spec.yaml");
        await File.WriteAllTextAsync(_specPath, TestAssets.Spec());
        var options = new FederationOptions
        {
            WorkDirectory = _work,
            DifferentialPrivacy = "off",
            PinnedBundleSha256 = [TestAssets.Assets.BundleSha256],
            SpanFileDirectory = Path.Combine(_work, "spans"),
            CoordinatorArguments = ["--SecureAggregation:RoundSeconds=3", "--SecureAggregation:AdvertiseSeconds=120"],
        };
        string[] trusted = ["site-a", "site-b", "site-c", "site-d"];
        await StartAsync(options, async federation =>
        {
            // Site a exposes its dataset for secure sums only.
            await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", _datasets["site-a"])], Settings("site-a", trusted) with { DatasetRelease = "pooled_only" });
            await federation.AddNodeAsync("site-b", [new NodeDataset("amr-reports", _datasets["site-b"])], Settings("site-b", trusted));
            await federation.AddNodeAsync("site-c", [new NodeDataset("amr-reports", _datasets["site-c"])], Settings("site-c", trusted));
            await federation.AddNodeAsync("site-d", [new NodeDataset("amr-reports", _datasets["site-d"])], Settings("site-d", trusted) with { Approval = "manual" });
            await federation.AddNodeAsync("site-x", [new NodeDataset("amr-reports", _datasets["site-x"])], Settings("site-x", ["site-a", "site-b", "site-c"]));
        }, "secagg", TestAssets.Assets.BundlePath);
    }

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    [Test]
    public async Task PooledOnly_ThreeAgents_PooledCountsAreTheSumOfTheSitesReleasesAndNoSiteVectorIsKept()
    {
        using var cts = new CancellationTokenSource(Timeout);

        var evaluation = await RunAsync(PooledOnlySpec(["site-a", "site-b", "site-c"], minSites: 3), cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        var pooled = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        pooled.PerSite.Should().BeEmpty("no per-site result exists in a pooled-only evaluation");
        pooled.Heterogeneity.Should().BeNull();
        pooled.IncludedSites.Should().Equal("site-a", "site-b", "site-c");
        pooled.SecureSum!.Contributors.Should().Equal("site-a", "site-b", "site-c");
        pooled.SecureSum.Threshold.Should().Be(2);
        var sites = await ReleasesAsync(["site-a", "site-b", "site-c"], cts.Token);
        ShouldEqualTheSitesPool(pooled.Pooled!, sites);

        // Nothing per site at the coordinator: its database, log and span file are searched for each site's matrix.
        var kept = new StringBuilder();
        foreach (var file in Directory.GetFiles(Federation.CoordinatorDataDirectory, "coordinator.db*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            kept.Append(await reader.ReadToEndAsync(cts.Token));
        }

        kept.Append(await FederationSupport.ReadLogAsync(Path.Combine(Federation.LogDirectory, "coordinator.log")));
        kept.Append(await FederationSupport.ReadLogAsync(Federation.SpanFile("coordinator")!));
        kept.Length.Should().BeGreaterThan(0);
        var text = Regex.Replace(kept.ToString(), @"\s", "");
        text.Should().Contain(Flat(pooled.Pooled!.ConfusionMatrix.Matrix), "the search finds a matrix the coordinator does keep: the pooled one");
        foreach (var (site, release) in sites)
        {
            text.Should().NotContain(Flat(release.ConfusionMatrix.Matrix), $"{site}'s own confusion matrix must not be kept by the coordinator");
        }
    }

    [Test]
    public async Task PerSiteSpec_DatasetReleasedOnlyPooled_RunRejectedWithTheReason()
    {
        using var cts = new CancellationTokenSource(Timeout);

        var evaluation = await RunAsync(TestAssets.Spec(nodes: ["site-a"]), cts.Token);

        var run = evaluation.Runs.Single();
        run.State.Should().Be(RunState.Rejected);
        run.Reason.Should().Be("refused by this node's policy", "the coordinator hears the category, the node's log the rule");
        (await FederationSupport.ReadLogAsync(Path.Combine(Federation.LogDirectory, "site-a.log"))).Should().Contain("release: pooled_only");
    }

    [Test]
    public async Task PooledOnly_CohortWithAPeerNoHospitalListed_RefusedByTheHospitalsAndNoSumRevealed()
    {
        using var cts = new CancellationTokenSource(Timeout);

        var evaluation = await RunAsync(PooledOnlySpec(["site-b", "site-c", "site-x"], minSites: 1), cts.Token);

        evaluation.State.Should().Be(EvaluationState.Failed);
        evaluation.Reason.Should().Contain("secure sum did not complete");
        var pooled = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        pooled.Pooled.Should().BeNull("fewer than t members remain once the hospitals refuse; no partial sum");
        foreach (var site in new[] { "site-b", "site-c" })
        {
            pooled.MissingSites.Single(m => m.Site == site).Reason.Should().Contain("UNKNOWN_PEER").And.Contain("site-x");
            evaluation.Runs.Single(r => r.NodeName == site).State.Should().Be(RunState.Failed);
        }
    }

    [Test]
    public async Task PooledOnly_NodeKilledAfterMasking_SumCompletesFromTheSharesAndAReplayedShareIsRefused()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var d = Federation.Nodes["site-d"];
        var sites = await ReleasesAsync(["site-a", "site-b", "site-d"], cts.Token);
        using var asD = NodeChannels.For(Federation.CoordinatorUrl, d.DataDirectory);
        var participant = new SecureSumParticipant(asD, "site-d", _keys["site-d"], Policy("site-d", ["site-a", "site-b", "site-c"]));

        var first = await Evaluator.SubmitAsync(PooledOnlySpec(["site-a", "site-b", "site-d"], minSites: 3), BundleSha256, cancellationToken: cts.Token);
        var held = await FederationSupport.WatchUntilAsync(Evaluator, first.Id, s => s.Runs.Any(r => r.NodeName == "site-d" && r.State == RunState.AwaitingApproval), cts.Token);
        await participant.MaskAndStopAsync(held.Runs.Single(r => r.NodeName == "site-d").Id, SecureSumParticipant.Vector(sites["site-d"]), cts.Token);
        await d.KillAsync();
        var summed = await Evaluator.WatchUntilFinalAsync(first.Id, cancellationToken: cts.Token);

        summed.State.Should().Be(EvaluationState.Completed, summed.Reason);
        var pooled = ResultJson.DeserializePooled(summed.PooledResultJson);
        pooled.SecureSum!.Contributors.Should().Equal("site-a", "site-b", "site-d");
        ShouldEqualTheSitesPool(pooled.Pooled!, sites);

        // The same shares replayed into the next sum: bound to the first sum's session, they do not open.
        d.Start();
        var second = await Evaluator.SubmitAsync(PooledOnlySpec(["site-a", "site-b", "site-d"], minSites: 3) + "\n# second\n", BundleSha256, cancellationToken: cts.Token);
        held = await FederationSupport.WatchUntilAsync(Evaluator, second.Id, s => s.Runs.Any(r => r.NodeName == "site-d" && r.State == RunState.AwaitingApproval), cts.Token);
        await participant.ReplaySharesAsync(held.Runs.Single(r => r.NodeName == "site-d").Id, SecureSumParticipant.Vector(sites["site-d"]), participant.SentShares!, cts.Token);
        var refused = await Evaluator.WatchUntilFinalAsync(second.Id, cancellationToken: cts.Token);

        refused.State.Should().Be(EvaluationState.Failed);
        var missing = ResultJson.DeserializePooled(refused.PooledResultJson).MissingSites;
        foreach (var site in new[] { "site-a", "site-b" })
        {
            missing.Single(m => m.Site == site).Reason.Should().Contain("MALFORMED").And.Contain("site-d");
        }
    }

    [Test]
    public async Task PooledOnly_ContributorForgesItsCountsTimesAThousand_EvaluationFailsAsAnImplausibleSumAndNothingIsPooled()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var sites = await ReleasesAsync(["site-d"], cts.Token);
        var d = Federation.Nodes["site-d"];
        using var asD = NodeChannels.For(Federation.CoordinatorUrl, d.DataDirectory);
        var participant = new SecureSumParticipant(asD, "site-d", _keys["site-d"], Policy("site-d", ["site-a", "site-b", "site-c"]));
        var honest = SecureSumParticipant.Vector(sites["site-d"]);
        // Its own certificate, key and layout, every count × 1000: the masks hide it, only the sum can show it.
        var forged = honest with { Counts = [.. honest.Counts.Select(c => c * 1000)] };

        var submitted = await Evaluator.SubmitAsync(PooledOnlySpec(["site-a", "site-b", "site-d"], minSites: 3) + "\n# forged\n", BundleSha256, cancellationToken: cts.Token);
        var held = await FederationSupport.WatchUntilAsync(Evaluator, submitted.Id, s => s.Runs.Any(r => r.NodeName == "site-d" && r.State == RunState.AwaitingApproval), cts.Token);
        EvaluationView final;
        try
        {
            await participant.MaskAndStopAsync(held.Runs.Single(r => r.NodeName == "site-d").Id, forged, cts.Token);
            final = await Evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cts.Token);
        }
        finally
        {
            // d's agent still holds this run in manual approval: restarted, it is free for the fixture's next sums.
            await d.KillAsync();
            d.Start();
        }


        final.State.Should().Be(EvaluationState.Failed);
        final.Reason.Should().StartWith("the secure sum is implausible (a contributor may have forged its counts): ")
            .And.Contain("input_summary.documents_read is").And.Contain("the 3 contributors announced at most");
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.Pooled.Should().BeNull("an implausible sum is not published");
        pooled.SecureSum!.Contributors.Should().Equal("site-a", "site-b", "site-d");
    }

    /// <summary>A matrix as the results JSON writes it, whitespace removed.</summary>
    private static string Flat(IEnumerable<IEnumerable<long>> matrix) => string.Join(",", matrix.Select(row => "[" + string.Join(",", row) + "]"));

    private static string PooledOnlySpec(IReadOnlyList<string> nodes, int minSites) => SecureSumParticipant.PooledOnlySpec(nodes, minSites);

    private static void ShouldEqualTheSitesPool(ResultDocument pooled, IReadOnlyDictionary<string, ResultDocument> sites)
    {
        var expected = PooledResultDocument.Pool(pooled.Task, pooled.ConfusionMatrix.Labels, sites, []).Pooled!;
        pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(expected.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        pooled.ScoreHistograms.Should().BeEquivalentTo(expected.ScoreHistograms, o => o.WithStrictOrdering());
        pooled.Calibration.Should().BeEquivalentTo(expected.Calibration, o => o.WithStrictOrdering());
        pooled.PerClass.Should().BeEquivalentTo(expected.PerClass);
        pooled.Accuracy.Should().Be(expected.Accuracy);
        pooled.Macro.Should().Be(expected.Macro);
        pooled.Auroc.Should().BeEquivalentTo(expected.Auroc);
        pooled.InputSummary.DocumentsRead.Should().Be(expected.InputSummary.DocumentsRead);
        pooled.ConfusionMatrix.Matrix.SelectMany(r => r).Sum().Should().BeGreaterThan(0);
    }

    private async Task<Dictionary<string, ResultDocument>> ReleasesAsync(IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        var releases = new Dictionary<string, ResultDocument>(StringComparer.Ordinal);
        foreach (var site in sites)
        {
            releases[site] = await SecureSumParticipant.LocalReleaseAsync(_specPath, _datasets[site], cancellationToken);
        }

        return releases;
    }

    private AggregationPolicy Policy(string self, IReadOnlyList<string> peers) => SecureSumParticipant.Policy(self, peers, _keys);

    private NodeSettings Settings(string self, IReadOnlyList<string> peers) => SecureSumParticipant.Settings(self, peers, _keys);
}
