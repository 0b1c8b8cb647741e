using Partages.Evaluation.Metrics;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.Benchmarks.Privacy;

/// <summary>A site's exact result: what the evaluation engine returned, before the release gate.</summary>
internal sealed record ExactSite(string Name, ResultDocument Result);

/// <summary>
/// The core of the <c>privacy</c> benchmark: releases every site's exact result many times through the real release
/// gate (<see cref="DisclosureControl.Apply"/> with the policy given and the noise given — the production CSPRNG
/// sampler in the benchmark), carries each release as the JSON the node sends, pools the releases as the coordinator
/// does (<see cref="PooledResultDocument.Pool"/>), and compares every printed figure with the exact one.
/// </summary>
internal static class ReleaseUtility
{
    public const string PooledUnit = "pooled";

    /// <summary>The smallest snapshot a release accepts here: the benchmark measures noise, not admission.</summary>
    private const int MinDatasetDocuments = 1;

    /// <exception cref="InvalidOperationException">A release broke what the release gate promises (lines read not exact, no AUROC released, no pooled result).</exception>
    public static DatasetUtility Measure(
        string dataset,
        string task,
        IReadOnlyList<string> labels,
        IReadOnlyList<ExactSite> sites,
        int releases,
        DifferentialPrivacyPolicy policy,
        ICountNoise noise,
        TimeFigures engine)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentOutOfRangeException.ThrowIfLessThan(releases, 1);
        if (sites.Count == 0 || sites.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != sites.Count)
        {
            throw new ArgumentException("At least one site, each named once.", nameof(sites));
        }

        var rules = new DisclosureRules(MinDatasetDocuments, policy);
        var exactPooled = PooledResultDocument.Pool(task, labels, sites.ToDictionary(s => s.Name, s => s.Result, StringComparer.Ordinal), []).Pooled
            ?? throw new InvalidOperationException("The exact results did not pool.");
        var recorders = sites.ToDictionary(s => s.Name, s => new UnitRecorder(s.Name, s.Result, labels), StringComparer.Ordinal);
        var pooledRecorder = new UnitRecorder(PooledUnit, exactPooled, labels);

        NoiseFigures? siteNoise = null;
        double pooledHistogramVariance = 0;
        var clock = ProcessClock.Start();
        for (var release = 0; release < releases; release++)
        {
            var released = new Dictionary<string, ResultDocument>(StringComparer.Ordinal);
            foreach (var site in sites)
            {
                // What leaves the node is JSON, and what the coordinator pools is that JSON read back.
                var document = ResultJson.DeserializeSite(ResultJson.Serialize(DisclosureControl.Apply(site.Result, rules, noise)));
                siteNoise ??= NoiseOf(document);
                recorders[site.Name].Add(document);
                released[site.Name] = document;
            }

            var pooled = PooledResultDocument.Pool(task, labels, released, []).Pooled
                ?? throw new InvalidOperationException("The released results did not pool.");
            pooledHistogramVariance = pooled.Release?.DifferentialPrivacy?.NoiseVariance.ScoreHistograms ?? 0;
            pooledRecorder.Add(pooled);
        }

        var (wall, cpu) = clock.Elapsed();
        return new DatasetUtility(
            dataset,
            releases,
            siteNoise!,
            [.. sites.Select(s => recorders[s.Name].Summarise())],
            pooledRecorder.Summarise(),
            pooledHistogramVariance,
            engine,
            new TimeFigures(wall, cpu));
    }

    private static NoiseFigures NoiseOf(ResultDocument released)
    {
        var privacy = released.Release?.DifferentialPrivacy
            ?? throw new InvalidOperationException("A release under differential privacy came out without its differential_privacy section.");
        return new NoiseFigures(privacy.Epsilon, privacy.Delta, privacy.Rho, privacy.NoiseVariance.OutcomeCounts, privacy.NoiseVariance.ScoreHistograms, privacy.Neighbouring);
    }

    /// <summary>
    /// AUROC of a class's exact histograms summed into <see cref="DpScoreGrid"/>, without noise: the Mann–Whitney
    /// count on the coarse bins, a tie within a bin counted ½ (the formula the noisy estimate uses). Null without a
    /// positive or a negative.
    /// </summary>
    public static double? CoarseAuroc(HistogramGrid grid, IReadOnlyList<long> finePositives, IReadOnlyList<long> fineNegatives)
    {
        var positives = grid.Coarsen(finePositives);
        var negatives = grid.Coarsen(fineNegatives);
        double below = 0, wins = 0, totalPositives = 0;
        for (var b = 0; b < positives.Length; b++)
        {
            wins += positives[b] * (below + (0.5 * negatives[b]));
            below += negatives[b];
            totalPositives += positives[b];
        }

        return totalPositives > 0 && below > 0 ? wins / (totalPositives * below) : null;
    }

    /// <summary>One unit's observations, release after release.</summary>
    private sealed class UnitRecorder
    {
        private readonly string _unit;
        private readonly ResultDocument _exact;
        private readonly IReadOnlyList<string> _labels;
        private readonly List<Observation> _accuracy = [];
        private readonly List<Observation> _macroF1 = [];
        private readonly Dictionary<string, List<Observation>> _auroc;
        private readonly List<double> _evaluatedErrors = [];
        private int _negativeCells;

        public UnitRecorder(string unit, ResultDocument exact, IReadOnlyList<string> labels)
        {
            _unit = unit;
            _exact = exact;
            _labels = labels;
            _auroc = labels.ToDictionary(l => l, _ => new List<Observation>(), StringComparer.Ordinal);
        }

        public void Add(ResultDocument released)
        {
            if (released.InputSummary.DocumentsRead != _exact.InputSummary.DocumentsRead)
            {
                throw new InvalidOperationException(
                    $"{_unit}: {released.InputSummary.DocumentsRead} lines read released; the snapshot has {_exact.InputSummary.DocumentsRead}. Under replace-one they are released exactly.");
            }

            var auroc = released.Auroc
                ?? throw new InvalidOperationException($"{_unit}: the release has no AUROC (score histograms withheld or omitted).");
            _accuracy.Add(new Observation(released.Accuracy, released.Intervals?.Accuracy?.CiLow, released.Intervals?.Accuracy?.CiHigh));
            _macroF1.Add(new Observation(released.Macro.F1, released.Intervals?.MacroF1?.CiLow, released.Intervals?.MacroF1?.CiHigh));
            foreach (var label in _labels)
            {
                _auroc[label].Add(auroc.TryGetValue(label, out var entry) ? new Observation(entry.Value, entry.CiLow, entry.CiHigh) : Observation.NotEstimable);
            }

            _evaluatedErrors.Add(Math.Abs(released.InputSummary.DocumentsEvaluated - _exact.InputSummary.DocumentsEvaluated));
            _negativeCells += released.ConfusionMatrix.Matrix.Any(row => row.Any(cell => cell < 0)) ? 1 : 0;
        }

        public UnitUtility Summarise()
        {
            var support = _labels.ToDictionary(l => l, l => _exact.PerClass[l].Support, StringComparer.Ordinal);
            var minority = _labels.MinBy(l => support[l])!;
            var histograms = _exact.ToHistograms()
                ?? throw new InvalidOperationException($"{_unit}: the exact result has no score histograms.");
            var coarse = _labels.ToDictionary(
                l => l,
                l =>
                {
                    var histogram = histograms[histograms.IndexOf(l)];
                    return CoarseAuroc(histogram.Grid, histogram.Positives, histogram.Negatives);
                },
                StringComparer.Ordinal);
            return new UnitUtility(
                _unit,
                _exact.InputSummary.DocumentsRead,
                _exact.InputSummary.DocumentsEvaluated,
                Statistics.Median(_evaluatedErrors),
                _negativeCells,
                support,
                minority,
                FigureSummary.Of(_exact.Accuracy, _accuracy),
                FigureSummary.Of(_exact.Macro.F1, _macroF1),
                _labels.ToDictionary(l => l, l => FigureSummary.Of(_exact.Auroc?.GetValueOrDefault(l)?.Value, _auroc[l]), StringComparer.Ordinal),
                coarse);
        }
    }
}
