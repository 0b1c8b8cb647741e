using System.Globalization;
using System.Text.Json.Nodes;
using Partages.Evaluation;
using Partages.Evaluation.Privacy;
using Partages.ModelKit.Bundles;
using EvaluationView = Partages.Contracts.V1.Evaluation;


namespace Partages.EndToEnd.Tests;

/// <summary>
/// The privacy issue's differencing attack with real processes (docs/threat-model.md): a hostile evaluator evaluates
/// bundle after bundle on one snapshot. What leaves the node is the in-process mechanism of
/// <c>DifferencingAttackTests</c> — discrete Gaussian noise of the variance ADR 0006 derives, charged in the node's
/// ledger — two releases spend ε′ = 1, a third bundle is refused at admission before it is even downloaded, and the
/// first bundle again gets the bytes already released without running the model. Finding 2 of the issue (bins merged
/// under k released at a count-weighted position that one report could move) is checked on the same releases: the
/// score histograms leave on the fixed logit grid, every bin of it, positions never sent, whatever the model scored.
/// </summary>
[NonParallelizable]
public sealed class PrivacyFederationTests
{
    private const double Delta = 1e-6;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);

    [Test]
    public async Task ThreeBundlesOnOneSnapshot_TwoNoisyReleasesSpendTheBudgetAndTheThirdIsRefusedBeforeDownload()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = FederationSupport.NewWorkDirectory("privacy");
        var bundles = new[] { TestAssets.Assets.BundlePath, Path.Combine(work, "planted.zip"), Path.Combine(work, "never.zip") };
        await WriteVariantAsync(bundles[0], bundles[1], "planted", cts.Token);
        await WriteVariantAsync(bundles[0], bundles[2], "never", cts.Token);
        var hashes = await Task.WhenAll(bundles.Select(b => ContentHash.OfFileAsync(b, cts.Token)));

        // Two releases compose (zCDP) to ε′ = 1 at δ 1e-6; the budget admits those two and no third.
        var perRelease = Zcdp.EpsilonOf(Zcdp.RhoFor(1.0, Delta) / 2, Delta);
        var privacy = string.Create(CultureInfo.InvariantCulture, $"{{epsilon_per_release: {perRelease:R}, epsilon_budget: 1.001, delta: 1e-6}}");
        await using var federation = await LocalFederation.StartAsync(
            new FederationOptions { WorkDirectory = work, StartTimeout = TimeSpan.FromMinutes(3), DifferentialPrivacy = privacy, PinnedBundleSha256 = hashes },
            cts.Token);
        var site = await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], cts.Token);
        var token = await federation.CreateApiTokenAsync("attacker", "evaluator", cts.Token);
        using var channel = federation.CreateEvaluatorChannel(token);
        var evaluator = new EvaluatorClient(channel);
        foreach (var bundle in bundles)
        {
            await evaluator.UploadBundleAsync(bundle, cts.Token);
        }

        var spec = TestAssets.Spec(nodes: ["site-a"], minSites: 1);
        var first = await evaluator.RunToEndAsync(spec, hashes[0], cts.Token);
        var second = await evaluator.RunToEndAsync(spec, hashes[1], cts.Token);
        var third = await evaluator.RunToEndAsync(spec, hashes[2], cts.Token);
        var repeat = await evaluator.RunToEndAsync(spec, hashes[0], cts.Token);

        // What left the node: the mechanism of the release gate, with the variance the ADR derives (outcome counts
        // take 0.35 of ρ, the histograms 0.5, calibration 0.15; Δ₂² = 2 under replace-one), noisy counts kept as they are.
        first.State.Should().Be(EvaluationState.Completed, first.Reason);
        second.State.Should().Be(EvaluationState.Completed, second.Reason);
        var rho = Zcdp.RhoFor(perRelease, Delta);
        var expectedVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * 0.35, sensitivitySquared: 2)).ToDouble();
        var histogramShapes = new List<string>();
        foreach (var evaluation in new[] { first, second })
        {
            var released = ResultJson.DeserializeSite(evaluation.Runs.Single().ResultJson);
            var dp = released.Release!.DifferentialPrivacy!;
            dp.Mechanism.Should().Be("discrete_gaussian");
            dp.Neighbouring.Should().Be("replace_one");
            dp.Epsilon.Should().BeApproximately(perRelease, 1e-6);
            dp.NoiseVariance.OutcomeCounts.Should().BeApproximately(expectedVariance, 1e-9);
            released.InputSummary.DocumentsRead.Should().Be(File.ReadLines(TestAssets.Assets.Hospitals[0].AmrPath).Count(l => l.Length > 0), "lines read are public under replace-one");
            released.Intervals!.Method.Should().Be(IntervalsSection.DpSimulationMethod);

            // Finding 2: the same data-independent bins for both models, all of them, noised; no bin position leaves.
            var histograms = released.ScoreHistograms!;
            histograms.Grid.Should().Be(ScoreHistogramsSection.DpGrid);
            histograms.PerClass.Values.Should().OnlyContain(h => h.Positives.Length == DpScoreGrid.Count && h.Negatives.Length == DpScoreGrid.Count);
            dp.NoiseVariance.ScoreHistograms.Should().BeApproximately(Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * 0.5, 2.0 * histograms.PerClass.Count)).ToDouble(), 1e-9);
            var json = JsonNode.Parse(evaluation.Runs.Single().ResultJson)!;
            json["score_histograms"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo(["grid_steps", "per_class", "grid"], "the grid is named, never described by positions");
            histogramShapes.Add(string.Join(",", histograms.PerClass.Select(p => $"{p.Key}:{p.Value.Positives.Length}/{p.Value.Negatives.Length}")));

            // Calibration leaves too, each sum noised, ECE and Brier with intervals that include the noise.
            released.Calibration.Should().NotBeNull();
            dp.NoiseVariance.Calibration.Should().BeApproximately(Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * 0.15, NoisyCalibration.SensitivitySquared)).ToDouble(), 1e-9);
            released.Release.WithheldSections.Should().BeEmpty();
        }

        histogramShapes.Distinct().Should().ContainSingle("both models' histograms have the same bins");

        // The node's ledger: two releases, ε′ = 1 — the figure the attack's bound uses.
        var (releases, rhoSpent) = Ledger(site);
        releases.Should().Be(2);
        Zcdp.EpsilonOf(rhoSpent, Delta).Should().BeApproximately(1.0, 1e-3);

        // The third bundle: refused at admission with one category, never downloaded, never run.
        var refused = third.Runs.Single();
        refused.State.Should().Be(RunState.Rejected);
        refused.Reason.Should().NotContain("ε").And.NotContain("budget", "the coordinator hears a category, not the ledger");
        File.Exists(Path.Combine(site.DataDirectory, "artifacts", hashes[2])).Should().BeFalse("a spent budget refuses before the download");
        (await FederationSupport.ReadLogAsync(site.Process.LogPath)).Should().Contain("privacy budget of dataset 'amr-reports' cannot cover this release");

        // The first bundle again: the same bytes, no model run, nothing spent.
        repeat.State.Should().Be(EvaluationState.Completed, repeat.Reason);
        repeat.Runs.Single().ResultJson.Should().Be(first.Runs.Single().ResultJson);
        await site.Process.WaitForLineAsync(new Regex($@"Run {repeat.Runs.Single().Id} repeats a request already released"), TimeSpan.FromSeconds(30), cts.Token);
        Ledger(site).Releases.Should().Be(2);
    }

    /// <summary>The node's privacy ledger (release/privacy-budget.json, format 2) for the dataset: releases and ρ spent.</summary>
    private static (int Releases, double Rho) Ledger(NodeHandle site)
    {
        var ledger = JsonNode.Parse(File.ReadAllText(Path.Combine(site.DataDirectory, "release", "privacy-budget.json")))!;
        var dataset = ledger["datasets"]!["amr-reports"]!;
        return (dataset["releases"]!.AsArray().Count, dataset["rho_spent"]!.GetValue<double>());
    }

    /// <summary>The demo classifier under another manifest version: the same graph, another bundle (another SHA-256).</summary>
    private static Task WriteVariantAsync(string source, string destination, string version, CancellationToken cancellationToken) =>
        ManifestRewrite.WriteAsync(source, destination, manifest => manifest["version"] = version, cancellationToken);

}
