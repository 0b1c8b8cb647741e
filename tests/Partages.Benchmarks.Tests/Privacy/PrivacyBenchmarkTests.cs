using Partages.Benchmarks.Privacy;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Specs;
using Partages.ModelKit;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.Benchmarks.Tests.Privacy;

/// <summary>
/// The <c>privacy</c> benchmark's core on a tiny input: a small demo model, 2 sites × 60 generated reports through the
/// real engine, 5 releases through the real release gate. The figures are not asserted (docs/benchmarks.md); that the
/// plumbing compares each released figure with the right exact one is.
/// </summary>
public sealed class PrivacyBenchmarkTests
{
    private const int Sites = 2, ReportsPerSite = 60, Releases = 5;

    private string _directory = "";
    private string _bundlePath = "";
    private EvaluationSpec _spec = null!;
    private IReadOnlyList<SiteCorpus> _corpora = [];

    [OneTimeSetUp]
    public async Task BuildModelAndCorpora()
    {
        _directory = Directory.CreateTempSubdirectory("partages-privacy-bench-").FullName;
        var assets = await DemoAssets.EnsureBuiltAsync(
            Path.Combine(_directory, "assets"),
            new DemoAssetOptions { HospitalScale = 0.25, TrainingDocuments = 300, Epochs = 2 });
        _bundlePath = assets.BundlePath;
        _spec = await PrivacyCorpora.LoadSpecAsync(CancellationToken.None);
        _corpora = await PrivacyCorpora.GenerateAsync(_directory, Sites, ReportsPerSite, seed: 7, CancellationToken.None);
    }

    [OneTimeTearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task MeasureAsync_ProductionSampler_FiveReleasesOfTwoSitesAndThePool_EveryReleaseAccountedAndPrinted()
    {
        var output = new StringWriter();
        var settings = new PrivacySettings { Releases = Releases, AssetsDirectory = _directory, WorkDirectory = _directory };

        var utility = await PrivacyBenchmark.MeasureAsync(
            "tiny", _bundlePath, _spec, _corpora, settings, DifferentialPrivacyPolicy.Default, DiscreteGaussianNoise.Instance, output, CancellationToken.None);

        utility.Releases.Should().Be(Releases);
        utility.Sites.Select(s => s.Unit).Should().Equal(_corpora.Select(c => c.Name));
        utility.Sites.Should().OnlyContain(s => s.DocumentsRead == ReportsPerSite && s.DocumentsEvaluated == ReportsPerSite);
        utility.Pooled.Unit.Should().Be(ReleaseUtility.PooledUnit);
        utility.Pooled.DocumentsRead.Should().Be(Sites * ReportsPerSite);
        utility.SiteNoise.Epsilon.Should().BeApproximately(DifferentialPrivacyPolicy.DefaultEpsilonPerRelease, 1e-9);
        utility.SiteNoise.Neighbouring.Should().Be("replace_one");
        utility.SiteNoise.OutcomeVariance.Should().BeGreaterThan(0);
        utility.PooledHistogramVariance.Should().BeApproximately(Sites * utility.SiteNoise.HistogramVariance!.Value, 1e-6);
        foreach (var unit in utility.Units)
        {
            foreach (var figure in unit.Auroc.Values.Append(unit.Accuracy).Append(unit.MacroF1))
            {
                figure.Releases.Should().Be(Releases);
                figure.NotEstimable.Should().BeInRange(0, Releases);
                figure.Covered.Should().BeInRange(0, figure.Estimable);
            }

            unit.Accuracy.Exact.Should().NotBeNull();
            unit.Support.Values.Sum().Should().Be(unit.DocumentsEvaluated);
            unit.Support[unit.MinorityClass].Should().Be(unit.Support.Values.Min());
        }

        var printed = output.ToString();
        printed.Should().Contain("| pooled | accuracy |").And.Contain("issue 22 targets").And.Contain("| unit | class | gold |");
    }

    [Test]
    public async Task Measure_NoNoiseAtLargeEpsilon_AccuracyAndMacroF1ExactlyTheEngines_AurocOffOnlyByTheCoarseGrid()
    {
        var (sites, time) = await PrivacyCorpora.EvaluateAsync(_bundlePath, _spec, _corpora, threads: 1, CancellationToken.None);
        // ε 50: σ² small enough that every figure is estimable at 60 reports; the noise drawn is 0.
        var policy = DifferentialPrivacyPolicy.Default with { EpsilonPerRelease = 50 };

        var utility = ReleaseUtility.Measure("tiny", _spec.Task, _spec.Labels, sites, Releases, policy, new NoNoise(), time);

        foreach (var unit in utility.Units)
        {
            unit.Accuracy.NotEstimable.Should().Be(0);
            unit.Accuracy.MedianAbsoluteError.Should().Be(0);
            unit.Accuracy.Coverage.Should().Be(1);
            // Macro F1 needs every class's row and column clearly above the noise: a class of one report is not estimable.
            (unit.MacroF1.MedianAbsoluteError ?? 0).Should().BeApproximately(0, 1e-12);
            if (unit.MacroF1.Exact is null)
            {
                unit.MacroF1.NotEstimable.Should().Be(Releases, "a figure undefined on the exact counts is never printed from noisy ones");
            }

            unit.EvaluatedAbsoluteError.Should().Be(0);
            unit.ReleasesWithNegativeCell.Should().Be(0);
            foreach (var (label, auroc) in unit.Auroc.Where(a => a.Value is { Exact: not null, Estimable: > 0 }))
            {
                var gridError = Math.Abs(unit.AurocCoarse[label]!.Value - auroc.Exact!.Value);
                auroc.MedianAbsoluteError.Should().BeApproximately(gridError, 1e-9, "with no noise only the coarse grid moves the AUROC ({0})", label);
            }
        }
    }

    [Test]
    public void CoarseAuroc_PerfectAndTiedRankings_OneAndAHalf()
    {
        var positives = new long[Partages.Evaluation.Metrics.ScoreGrid.Bins];
        var negatives = new long[Partages.Evaluation.Metrics.ScoreGrid.Bins];
        positives[^1] = 3;
        negatives[0] = 4;
        ReleaseUtility.CoarseAuroc(Partages.Evaluation.Metrics.HistogramGrid.Linear, positives, negatives).Should().Be(1);

        negatives[0] = 0;
        negatives[^1] = 4;
        ReleaseUtility.CoarseAuroc(Partages.Evaluation.Metrics.HistogramGrid.Linear, positives, negatives).Should().Be(0.5);
        ReleaseUtility.CoarseAuroc(Partages.Evaluation.Metrics.HistogramGrid.Linear, positives, new long[positives.Length]).Should().BeNull();
    }

    private sealed class NoNoise : ICountNoise
    {
        public long Sample(Rational sigmaSquared) => 0;
    }
}
