using System.Globalization;
using System.Text.Json.Nodes;
using Partages.Evaluation.Privacy;
using Partages.SecureAggregation.Crypto;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 14 with differential privacy on, real processes: three node agents release a pooled-only evaluation into a
/// secure sum, each adding its share of Skellam noise before masking. The pooled result says the figures are a noisy
/// secure sum, states the noise of all the contributors' shares, carries intervals including it, and lies within that
/// noise of the exact sum of the sites' counts; each node's ledger charges the release's ρ, and a second release the
/// budget cannot cover is refused by every node.
/// </summary>
[NonParallelizable]
public sealed class SecureAggregationPrivacyTests : FederationFixture
{
    private const double Delta = 1e-6;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);
    private static readonly string[] Sites = ["site-a", "site-b", "site-c"];
    private readonly Dictionary<string, AggregationIdentity> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _datasets = new(StringComparer.Ordinal);
    private string _specPath = "";

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var hospitals = TestAssets.Assets.Hospitals;
        var work = FederationSupport.NewWorkDirectory("secure-aggregation-dp");
        for (var i = 0; i < Sites.Length; i++)
        {
            _datasets[Sites[i]] = hospitals[i].AmrPath;
            _keys[Sites[i]] = SecureSumParticipant.CreateKey(Path.Combine(work, "nodes", Sites[i]));
        }

        _specPath = Path.Combine(work, "spec.yaml");
        await File.WriteAllTextAsync(_specPath, TestAssets.Spec());
        var options = new FederationOptions
        {
            WorkDirectory = work,
            // One release of ε 1 fits the budget, a second does not.
            DifferentialPrivacy = "{epsilon_per_release: 1, epsilon_budget: 1.2, delta: 1e-6}",
            PinnedBundleSha256 = [TestAssets.Assets.BundleSha256],
            CoordinatorArguments = ["--SecureAggregation:RoundSeconds=3", "--SecureAggregation:AdvertiseSeconds=120"],
        };
        await StartAsync(options, async federation =>
        {
            foreach (var site in Sites)
            {
                await federation.AddNodeAsync(site, [new NodeDataset("amr-reports", _datasets[site])], SecureSumParticipant.Settings(site, Sites, _keys));
            }
        }, "secagg-dp", TestAssets.Assets.BundlePath);
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
    public async Task PooledOnly_DifferentialPrivacyOn_NoisySumWithIntervalsChargedOnceAndTheNextRefused()
    {
        using var cts = new CancellationTokenSource(Timeout);

        var evaluation = await RunAsync(SecureSumParticipant.PooledOnlySpec(Sites, minSites: 3), cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        result.PerSite.Should().BeEmpty();
        result.SecureSum!.Contributors.Should().Equal(Sites);
        var pooled = result.Pooled!;
        var dp = pooled.Release!.DifferentialPrivacy!;
        dp.Mechanism.Should().Be(DifferentialPrivacyRelease.Skellam);
        dp.NoiseThreshold.Should().Be(2, "a minimum cohort of 3 accepts a threshold of 2 at the least");
        dp.Epsilon.Should().BeApproximately(1, 1e-6);

        // The stated variance is the three shares': each y·σ²/2, σ² the discrete Gaussian's for the outcome counts. The
        // calibration section is withheld from a secure sum under DP, so ρ is split over outcome counts (0.35) and
        // histograms (0.5) alone.
        pooled.Calibration.Should().BeNull("calibration is withheld from a secure sum under differential privacy");
        var rho = Zcdp.RhoFor(1, Delta);
        var sigmaSquared = 2 / (2 * rho * 0.35 / 0.85);
        var share = dp.NoiseVariance.OutcomeCounts / 3;
        share.Should().BeGreaterThanOrEqualTo(sigmaSquared / 2 * 9 / 8, "each share carries at least (9/8)σ²/t").And.BeLessThan(sigmaSquared);

        // Every pooled count lies within the noise of the exact sum of what the sites counted.
        var exact = new Dictionary<string, ResultDocument>(StringComparer.Ordinal);
        foreach (var site in Sites)
        {
            exact[site] = await SecureSumParticipant.LocalReleaseAsync(_specPath, _datasets[site], cts.Token);
        }

        var labels = pooled.ConfusionMatrix.Labels;
        var sum = PooledResultDocument.Pool(pooled.Task, labels, exact, []).Pooled!;
        var bound = 6 * Math.Sqrt(dp.NoiseVariance.OutcomeCounts);
        for (var g = 0; g < labels.Count; g++)
        {
            for (var p = 0; p < labels.Count; p++)
            {
                ((double)Math.Abs(pooled.ConfusionMatrix.Matrix[g][p] - sum.ConfusionMatrix.Matrix[g][p])).Should().BeLessThan(bound);
            }
        }

        pooled.InputSummary.DocumentsRead.Should().Be(sum.InputSummary.DocumentsRead, "the lines read are exact");
        pooled.ConfusionMatrix.Matrix.SelectMany(r => r).Should().NotEqual(sum.ConfusionMatrix.Matrix.SelectMany(r => r), "the sum carries noise");
        pooled.Intervals!.Method.Should().Be(IntervalsSection.DpSimulationMethod);
        pooled.Accuracy.Should().NotBeNull();
        pooled.Intervals.Accuracy!.CiLow.Should().BeLessThanOrEqualTo(pooled.Accuracy!.Value);
        pooled.Intervals.Accuracy.CiHigh.Should().BeGreaterThanOrEqualTo(pooled.Accuracy.Value);
        ReleaseNotes.For(result).Should().Contain(n => n.Contains("Skellam", StringComparison.Ordinal) && n.Contains("at least 2 contributors", StringComparison.Ordinal));

        // Each node's ledger charged one release of the policy's ρ; the next pooled-only release does not fit.
        foreach (var site in Sites)
        {
            var (releases, spent) = Ledger(Federation.Nodes[site]);
            releases.Should().Be(1, site);
            spent.Should().BeApproximately(rho, 1e-12, site);
        }

        var second = await RunAsync(SecureSumParticipant.PooledOnlySpec(Sites, minSites: 3) + "\n# another question\n", cts.Token);

        second.State.Should().Be(EvaluationState.Failed);
        second.Runs.Should().OnlyContain(r => r.State == RunState.Rejected);
        foreach (var site in Sites)
        {
            (await FederationSupport.ReadLogAsync(Federation.Nodes[site].Process.LogPath)).Should().Contain("privacy budget of dataset 'amr-reports' cannot cover this release");
            Ledger(Federation.Nodes[site]).Releases.Should().Be(1);
        }
    }

    /// <summary>The node's privacy ledger (release/privacy-budget.json) for the dataset: releases and ρ spent.</summary>
    private static (int Releases, double Rho) Ledger(NodeHandle site)
    {
        var ledger = JsonNode.Parse(File.ReadAllText(Path.Combine(site.DataDirectory, "release", "privacy-budget.json")))!;
        var dataset = ledger["datasets"]!["amr-reports"]!;
        return (dataset["releases"]!.AsArray().Count, dataset["rho_spent"]!.GetValue<double>());
    }
}
