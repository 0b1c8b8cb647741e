using Partages.Evaluation.Robustness;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Robustness suites across three hospitals, as real processes: each node rewrites its reports with every perturbation
/// of the spec, scores them as the clean run, pairs them with it, and releases all of it through its gate under the
/// dataset's default differential privacy; the coordinator checks the suite at intake and pools it by addition.
/// </summary>
[NonParallelizable]
public sealed class RobustnessFederationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private static readonly string[] Sites = ["site-a", "site-b", "site-c"];

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var assets = TestAssets.Assets;
        var workDirectory = TestAssets.NewDirectory("robustness-federation");
        var options = new FederationOptions { WorkDirectory = workDirectory, PinnedBundleSha256 = [assets.BundleSha256, assets.NerBundleSha256] };
        await StartSitesAsync(options, Sites, i => [
            new NodeDataset("amr-reports", assets.Hospitals[i].AmrPath),
            new NodeDataset("oncology-reports", assets.Hospitals[i].OncologyPath)], "e2e-robustness", assets.BundlePath);
    }

    [Test]
    public async Task Evaluation_AmrSuiteOverThreeSites_EachPerturbationReleasedNoisedAndPooledByAddition()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = EvalSpecs.Read("amr-robustness.yaml");

        var (evaluation, result, sites) = await RunCompletedAsync(spec, Sites, cts.Token);

        var names = new[] { "remove_accents", "case(upper)", "typos(rate=0.03)", "abbreviations(expand, table=1)", "truncate(words=25)" };
        foreach (var site in sites)
        {
            site.Robustness!.Perturbations.Select(p => p.Perturbation).Should().Equal(names);
            site.Release!.DifferentialPrivacy!.Epsilon.Should().BeApproximately(1, 1e-6, "the top states the whole release's ε, every share together");
            site.Robustness.Perturbations.Should().OnlyContain(p => p.Paired.NoiseVariance > 0 && p.Result.Release!.DifferentialPrivacy != null && p.Paired.McNemar!.PValueInterval != null);
        }

        var pooled = result.Pooled!.Robustness!.Perturbations;
        pooled.Select(p => p.Perturbation).Should().Equal(names);
        for (var i = 0; i < names.Length; i++)
        {
            var parts = sites.Select(s => s.Robustness!.Perturbations[i]).ToList();
            pooled[i].Paired.CleanOnly.Should().Be(parts.Sum(p => p.Paired.CleanOnly), names[i]);
            pooled[i].Paired.PerturbedOnly.Should().Be(parts.Sum(p => p.Paired.PerturbedOnly), names[i]);
            pooled[i].Paired.NoiseVariance.Should().BeApproximately(parts.Sum(p => p.Paired.NoiseVariance!.Value), 1e-6);
            pooled[i].ReportsChanged.Should().Be(parts.Sum(p => p.ReportsChanged));
            var matrix = pooled[i].Result.ConfusionMatrix.Matrix;
            matrix.Should().BeEquivalentTo(
                matrix.Select((row, g) => row.Select((_, c) => parts.Sum(p => p.Result.ConfusionMatrix.Matrix[g][c])).ToArray()).ToArray(),
                o => o.WithStrictOrdering(), "noisy perturbed matrices pool by addition");
        }

        var manifest = ReproducibilityManifest.ReadFrom(evaluation.PooledResultJson)!;
        manifest.Robustness!.Select(p => (p.Perturbation, p.Seed)).Should().Equal(names.Zip([101L, 102L, 103L, 104L, 105L]));
        var rows = RobustnessRows.From(result);
        rows.Should().HaveCount(names.Length * (Sites.Length + 1), "every site and the pool, per perturbation, as the CLI and the dashboard print them");
        foreach (var row in rows.Where(r => r.Site == "pooled"))
        {
            TestContext.Out.WriteLine($"{row.Perturbation}: reports {row.Reports}; accuracy {row.Accuracy}; macro F1 {row.MacroF1}; discordant {row.Discordant}; McNemar p {row.McNemarP}");
        }
    }

    [Test]
    public async Task Evaluation_NerSuiteOverThreeSites_LostEntitiesCountedAndPairedAtEntityLevel()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = EvalSpecs.Read("oncology-biomarkers-ner.yaml")
            + "\nrobustness:\n  - perturbation: truncate\n    parameters: { words: 15 }\n    seed: 7\n  - perturbation: remove_accents\n    seed: 8\n";
        var bundle = await Evaluator.UploadBundleAsync(TestAssets.Assets.NerBundlePath, cts.Token);

        var evaluation = await Evaluator.RunToEndAsync(spec, bundle.Sha256, cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        var truncation = result.Pooled!.Robustness!.Perturbations[0];
        truncation.Paired.Unit.Should().Be(PairedOutcomes.EntityUnit);
        truncation.EntitiesLost.Should().Be(Sites.Sum(s => result.PerSite[s].Robustness!.Perturbations[0].EntitiesLost!.Value));
        truncation.Result.Schemes.Should().NotBeNull("the perturbed run has the clean run's sections");
        TestContext.Out.WriteLine($"truncate(words=15): entities lost {truncation.EntitiesLost} (noisy), discordant {truncation.Paired.CleanOnly} / {truncation.Paired.PerturbedOnly}, McNemar p {RobustnessRows.PValue(truncation.Paired.McNemar)}");
    }

    [Test]
    public async Task Submit_UnknownPerturbationOrMissingSeed_InvalidArgumentWithEveryReasonBeforeAnyRun()
    {
        var spec = TestAssets.Spec(nodes: Sites) + "\nrobustness:\n  - perturbation: blur\n    seed: 1\n  - perturbation: typos\n    parameters: { rate: 0.1 }\n";

        var submit = () => Evaluator.SubmitAsync(spec, BundleSha256);

        var refusal = (await submit.Should().ThrowAsync<RpcException>()).Which;
        refusal.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refusal.Status.Detail.Should().Contain("'blur' is not a perturbation").And.Contain("'seed' is required");
    }
}
