using Partages.Evaluation.Privacy;
using Partages.Evaluation.Robustness;
using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.SingleLabel;

namespace Partages.Cli.Tests.Output;

/// <summary>
/// A robustness suite in the tidy CSV: per site and pooled, each perturbation's counts, discordant units, McNemar's p and
/// each figure clean, perturbed and changed; under differential privacy with intervals and noise variances. Unit level.
/// </summary>
public sealed class RobustnessOutputTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    [Test]
    public void Csv_ExactSuite_RowsPerSiteAndPooledWithCountsPAndChanges()
    {
        var site = Site();
        var rows = ResultFormats.Csv(View(new Dictionary<string, ResultDocument> { ["site-a"] = site, ["site-b"] = site })).Split('\n');

        rows.Should().Contain("pooled,robustness_seed,typos(rate=0.1),,3");
        rows.Should().Contain("pooled,robustness_reports_changed,typos(rate=0.1),,4");
        rows.Should().Contain("pooled,robustness_reports_unchanged,typos(rate=0.1),,2");
        rows.Should().Contain("pooled,robustness_paired_unit,typos(rate=0.1),,document");
        rows.Should().Contain("pooled,robustness_clean_only,typos(rate=0.1),,4");
        rows.Should().Contain("pooled,robustness_perturbed_only,typos(rate=0.1),,0");
        rows.Should().Contain("pooled,robustness_mcnemar_p,typos(rate=0.1),,0.125", "statsmodels' mcnemar(exact=True) of 4 against 0");
        rows.Should().Contain("site-a,robustness_accuracy_clean,typos(rate=0.1),,1");
        rows.Should().Contain(r => r.StartsWith("site-a,robustness_accuracy_delta,typos(rate=0.1),,-0.666", StringComparison.Ordinal));
        rows.Should().NotContain(r => r.Contains("robustness_accuracy_delta_ci_low", StringComparison.Ordinal), "exact counts: the change has no interval");
    }

    [Test]
    public void Csv_SuiteUnderDifferentialPrivacy_CarriesIntervalsAndNoiseVariances()
    {
        var released = RobustnessRelease.Private(TaskRegistry.Get(SingleLabelTask.TaskName), Site(), new PrivateRelease(1, 1e-6, 4, 512, [], new ConstantNoise(0)));

        var rows = ResultFormats.Csv(View(new Dictionary<string, ResultDocument> { ["dp-site"] = released })).Split('\n');

        rows.Should().Contain(r => r.StartsWith("dp-site,robustness_paired_noise_variance,typos(rate=0.1),,", StringComparison.Ordinal));
        rows.Should().Contain(r => r.StartsWith("dp-site,robustness_count_noise_variance,typos(rate=0.1),,", StringComparison.Ordinal));
        rows.Should().Contain(r => r.StartsWith("dp-site,robustness_mcnemar_p_ci_low,typos(rate=0.1),,", StringComparison.Ordinal));
    }

    private static EvaluationView View(Dictionary<string, ResultDocument> sites)
    {
        var pooled = PooledResultDocument.Pool(SingleLabelTask.TaskName, Labels, sites, []);
        return FinishedEvaluation.Of("eval-r", "amr-robustness", pooled);
    }

    /// <summary>Three documents right clean, two of them wrong once perturbed: 2 discordant, 2 reports changed.</summary>
    private static ResultDocument Site() => RobustnessSamples.Site(Labels, [(0, 0, 1, true), (1, 1, 1, false), (2, 2, 0, true)]);
}
