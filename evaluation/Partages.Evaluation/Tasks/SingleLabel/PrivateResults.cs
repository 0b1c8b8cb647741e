using Partages.Evaluation.Privacy;

namespace Partages.Evaluation.Results;

/// <summary>
/// Single-label results from counts released under differential privacy: a site's noisy release, and the pool of
/// several. Noisy counts are kept as they are (negatives included: clipping would bias every sum); every figure is a
/// point estimate with a 95 % interval that includes the noise (<see cref="NoisyClassification"/>,
/// <see cref="NoisyRanking"/>), or null — not estimable — when its denominator is not clearly above the noise.
/// Deterministic: the same counts give the same document, byte for byte.
/// </summary>
public static class PrivateResults
{
    /// <summary>The noisy histograms of one class on <see cref="DpScoreGrid"/>: positives and negatives per coarse bin.</summary>
    public sealed record NoisyHistogram(long[] Positives, long[] Negatives);

    /// <summary>Builds a single-label document from noisy counts.</summary>
    /// <param name="matrix">Noisy confusion matrix, rows gold, columns predicted, in <paramref name="labels"/>' order.</param>
    /// <param name="histograms">Per label, its noisy coarse histograms; null when not released.</param>
    /// <param name="summary">documents_read exact (public under replace-one); evaluated and skipped kinds noisy.</param>
    /// <param name="calibration">The noisy calibration sums (their figures are recomputed here); null when not released.</param>
    public static ResultDocument Build(
        string task,
        IReadOnlyList<string> labels,
        long[][] matrix,
        IReadOnlyDictionary<string, NoisyHistogram>? histograms,
        InputSummary summary,
        ReleaseSection release,
        CalibrationSection? calibration = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(release);
        var privacy = release.DifferentialPrivacy ?? throw new ArgumentException("A private result needs its differential privacy section.", nameof(release));
        var variance = privacy.NoiseVariance.OutcomeCounts;
        var report = NoisyClassification.Estimate(labels, matrix, variance);
        var perClass = new Dictionary<string, ClassMetrics>(StringComparer.Ordinal);
        var intervals = new Dictionary<string, ClassIntervals>(StringComparer.Ordinal);
        var n = matrix.Sum(row => row.Sum());
        for (var c = 0; c < labels.Count; c++)
        {
            var tp = matrix[c][c];
            var fn = matrix[c].Sum() - tp;
            var fp = matrix.Sum(row => row[c]) - tp;
            var figures = report.PerClass[labels[c]];
            perClass[labels[c]] = new ClassMetrics(figures.Precision.Estimate, figures.Recall.Estimate, figures.F1.Estimate, tp + fn, tp, fp, fn, n - tp - fp - fn);
            intervals[labels[c]] = new ClassIntervals(Interval.From(figures.Precision), Interval.From(figures.Recall)) { F1 = Interval.From(figures.F1) };
        }

        (ScoreHistogramsSection Section, IReadOnlyDictionary<string, AurocEntry> Auroc)? ranking =
            histograms is null || privacy.NoiseVariance.ScoreHistograms is not { } binVariance ? null : Ranking(labels, histograms, binVariance);
        var calibrated = calibration is null || privacy.NoiseVariance.Calibration is not { } calibrationVariance
            ? null
            : Calibrated(calibration, calibrationVariance);
        return new ResultDocument
        {
            Task = task,
            NDocuments = n,
            ConfusionMatrix = new ConfusionMatrixDto(labels, [.. matrix.Select(row => row.ToArray())]),
            PerClass = perClass,
            Micro = Averaged(report.Micro),
            Macro = Averaged(report.Macro),
            Weighted = Averaged(report.Weighted),
            Accuracy = report.Accuracy.Estimate,
            InputSummary = summary,
            Intervals = new IntervalsSection(IntervalsSection.DpSimulationMethod, 0.95, Interval.From(report.Accuracy), intervals)
            {
                MacroF1 = Interval.From(report.Macro.F1),
                Ece = calibrated is null ? null : Interval.From(calibrated.Value.Figures.Ece),
                Brier = calibrated is null ? null : Interval.From(calibrated.Value.Figures.Brier),
            },
            ScoreHistograms = ranking?.Section,
            Auroc = ranking?.Auroc,
            Calibration = calibrated?.Section,
            Release = release,
        };
    }

    /// <summary>
    /// Pools single-label sites of which at least one released under differential privacy: noisy matrices and coarse
    /// histograms add, and so do their noise variances (each site's noise is independent). A site with exact counts
    /// joins with variance 0, its fine histograms summed into the coarse grid. Histograms are pooled only when every
    /// site released them (else the pool would not be the union's; <paramref name="omitted"/> says so).
    /// </summary>
    public static ResultDocument Pool(string task, IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> sites, List<OmittedSection> omitted)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(omitted);
        var matrix = labels.Select(_ => new long[labels.Count]).ToArray();
        foreach (var site in sites)
        {
            // In the pool's label order. Noisy cells keep their sign; an exact site's counts are still checked for it.
            var cells = site.Release?.DifferentialPrivacy is null
                ? ClassificationCounts.Pool(labels, [site.ToCounts()]).ToMatrix()
                : ReleasedCounts.SignedMatrix(site, labels);
            for (var g = 0; g < labels.Count; g++)
            {
                for (var p = 0; p < labels.Count; p++)
                {
                    matrix[g][p] += cells[g][p];
                }
            }
        }

        var histograms = PoolHistograms(labels, sites, omitted);
        var privacy = DifferentialPrivacyRelease.Pool(sites.Select(s => s.Release?.DifferentialPrivacy))!;
        if (histograms is null && privacy.NoiseVariance.ScoreHistograms is not null)
        {
            privacy = privacy with { NoiseVariance = privacy.NoiseVariance with { ScoreHistograms = null } };
        }

        var calibration = PoolCalibration(sites, privacy, omitted);
        if (calibration is null && privacy.NoiseVariance.Calibration is not null)
        {
            privacy = privacy with { NoiseVariance = privacy.NoiseVariance with { Calibration = null } };
        }

        return Build(task, labels, matrix, histograms, InputSummary.Sum(sites.Select(s => s.InputSummary)), new ReleaseSection { DifferentialPrivacy = privacy }, calibration);
    }

    /// <summary>The sites' calibration sums added (noisy and exact alike: exact sums carry variance 0); null unless every site released them.</summary>
    private static CalibrationSection? PoolCalibration(IReadOnlyList<ResultDocument> sites, DifferentialPrivacyRelease privacy, List<OmittedSection> omitted)
    {
        if (privacy.NoiseVariance.Calibration is null || sites.Any(s => s.Calibration is null))
        {
            omitted.Add(new OmittedSection("calibration", "not every included site released calibration, and a pool of the others would not be the union's"));
            return null;
        }

        var bins = CalibrationStatistics.Bins;
        var count = new long[bins];
        var correct = new long[bins];
        var confidence = new long[bins];
        long squaredErrors = 0;
        foreach (var site in sites.Select(s => s.Calibration!))
        {
            if (site.Bins.Count.Length != bins || site.Bins.Correct.Length != bins || site.Bins.ConfidenceSteps.Length != bins)
            {
                omitted.Add(new OmittedSection("calibration", $"a site's calibration does not have {bins} bins"));
                return null;
            }

            for (var b = 0; b < bins; b++)
            {
                count[b] += site.Bins.Count[b];
                correct[b] += site.Bins.Correct[b];
                confidence[b] += site.Bins.ConfidenceSteps[b];
            }

            squaredErrors += site.SquaredErrorSteps;
        }

        return new CalibrationSection(new CalibrationBins(count, correct, confidence), squaredErrors, Ece: null, Brier: null);
    }

    private static (CalibrationSection Section, NoisyCalibrationReport Figures)? Calibrated(CalibrationSection sums, double variance)
    {
        var figures = NoisyCalibration.Estimate(sums.Bins.Count, sums.Bins.Correct, sums.Bins.ConfidenceSteps, sums.SquaredErrorSteps, variance);
        return (sums with { Ece = figures.Ece.Estimate, Brier = figures.Brier.Estimate }, figures);
    }

    private static Dictionary<string, NoisyHistogram>? PoolHistograms(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> sites, List<OmittedSection> omitted)
    {
        var pooled = labels.ToDictionary(l => l, _ => new NoisyHistogram(new long[DpScoreGrid.Count], new long[DpScoreGrid.Count]), StringComparer.Ordinal);
        foreach (var site in sites)
        {
            if (site.ScoreHistograms is not { } section
                || (section.Grid == ScoreHistogramsSection.DpGrid && site.Release?.DifferentialPrivacy?.NoiseVariance.ScoreHistograms is null))
            {
                omitted.Add(new OmittedSection("score_histograms", "not every included site released score histograms, and a pool of the others would not be the union's"));
                return null;
            }

            var exactGrid = section.Grid == ScoreHistogramsSection.DpGrid ? null : HistogramGrid.ByName(section.Grid);
            if (section.Grid != ScoreHistogramsSection.DpGrid && exactGrid is null)
            {
                omitted.Add(new OmittedSection("score_histograms", $"a site's histograms are on the unknown grid '{section.Grid}'"));
                return null;
            }

            foreach (var label in labels)
            {
                if (!section.PerClass.TryGetValue(label, out var histogram))
                {
                    omitted.Add(new OmittedSection("score_histograms", $"a site's histograms lack class '{label}'"));
                    return null;
                }

                // An exact site's histograms (on either exact grid) coarsen exactly into the DP grid: every exact bin lies in one DP bin.
                var (positives, negatives) = exactGrid is null
                    ? (histogram.Positives, histogram.Negatives)
                    : histogram.Positives.Length == exactGrid.Bins && histogram.Negatives.Length == exactGrid.Bins
                        ? (exactGrid.Coarsen(histogram.Positives), exactGrid.Coarsen(histogram.Negatives))
                        : ([], []);
                if (positives.Length != DpScoreGrid.Count || negatives.Length != DpScoreGrid.Count)
                {
                    omitted.Add(new OmittedSection("score_histograms", $"a site's histograms of class '{label}' are not on the shared grid"));
                    return null;
                }

                for (var b = 0; b < DpScoreGrid.Count; b++)
                {
                    pooled[label].Positives[b] += positives[b];
                    pooled[label].Negatives[b] += negatives[b];
                }
            }
        }

        return pooled;
    }

    private static (ScoreHistogramsSection Section, IReadOnlyDictionary<string, AurocEntry> Auroc) Ranking(
        IReadOnlyList<string> labels,
        IReadOnlyDictionary<string, NoisyHistogram> histograms,
        double binVariance)
    {
        var perClass = new Dictionary<string, ClassScoreHistogram>(StringComparer.Ordinal);
        var auroc = new Dictionary<string, AurocEntry>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            var histogram = histograms[label];
            perClass[label] = new ClassScoreHistogram([.. histogram.Positives], [.. histogram.Negatives]);
            var figure = NoisyRanking.Auroc(histogram.Positives, histogram.Negatives, binVariance);
            auroc[label] = new AurocEntry(figure.Estimate, figure.CiLow, figure.CiHigh);
        }

        return (new ScoreHistogramsSection(DpScoreGrid.Count, perClass) { Grid = ScoreHistogramsSection.DpGrid }, auroc);
    }

    private static AveragedMetrics Averaged(NoisyAveragedMetrics figures) =>
        new(figures.Precision.Estimate, figures.Recall.Estimate, figures.F1.Estimate);
}
