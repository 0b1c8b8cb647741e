namespace Partages.Evaluation.Results;

/// <summary>Turns the Metrics types into the optional result sections and back, checking what it reads.</summary>
internal static class RankingSections
{
    public sealed record Ranking(ScoreHistogramsSection Histograms, IReadOnlyDictionary<string, AurocEntry> Auroc, IReadOnlyDictionary<string, double?> Auprc);

    public static IntervalsSection Intervals(IReadOnlyList<string> labels, ClassificationReport report, long documents)
    {
        long correct = 0;
        var perClass = new Dictionary<string, ClassIntervals>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            var m = report.PerClass[label];
            correct += m.Tp;
            perClass[label] = new ClassIntervals(Exact(m.Tp, m.Tp + m.Fp), Exact(m.Tp, m.Tp + m.Fn));
        }

        return new IntervalsSection(IntervalsSection.WilsonMethod, 0.95, Exact(correct, documents), perClass);
    }

    /// <summary>Wilson's interval of k of n; null without a denominator, like the figure itself.</summary>
    private static Interval? Exact(long k, long n) => n == 0 ? null : Interval.From(Wilson.Interval(k, n));

    /// <param name="labels">The confusion matrix's labels: the sections list classes in this order.</param>
    /// <exception cref="ArgumentException">The histograms' labels are not these.</exception>
    public static Ranking From(IReadOnlyList<string> labels, OneVsRestHistograms histograms)
    {
        if (histograms.Labels.Count != labels.Count || labels.Any(l => histograms.IndexOf(l) < 0))
        {
            throw new ArgumentException(
                $"The histograms' labels [{string.Join(", ", histograms.Labels)}] differ from the confusion matrix's [{string.Join(", ", labels)}].",
                nameof(histograms));
        }

        var perClass = new Dictionary<string, ClassScoreHistogram>(StringComparer.Ordinal);
        var auroc = new Dictionary<string, AurocEntry>(StringComparer.Ordinal);
        var auprc = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            var histogram = histograms[histograms.IndexOf(label)];
            perClass[label] = new ClassScoreHistogram([.. histogram.Positives], [.. histogram.Negatives]);
            var delong = DeLong.Estimate(histogram);
            auroc[label] = new AurocEntry(RocFromHistograms.Auroc(histogram), delong?.Ci95.Lower, delong?.Ci95.Upper);
            auprc[label] = RocFromHistograms.AveragePrecision(histogram);
        }

        return new Ranking(ScoreHistogramsSection.On(histograms.Grid, perClass), auroc, auprc);
    }

    public static CalibrationSection Calibration(CalibrationStatistics calibration)
    {
        var count = new long[CalibrationStatistics.Bins];
        var correct = new long[CalibrationStatistics.Bins];
        var confidence = new long[CalibrationStatistics.Bins];
        for (var b = 0; b < CalibrationStatistics.Bins; b++)
        {
            (count[b], correct[b], confidence[b]) = calibration[b];
        }

        return new CalibrationSection(
            new CalibrationBins(count, correct, confidence),
            calibration.SquaredErrorSteps,
            calibration.ExpectedCalibrationError,
            calibration.BrierScore);
    }

    /// <exception cref="InvalidDataException">Not a grid this version reads, other classes than <paramref name="labels"/>, or a malformed vector.</exception>
    public static OneVsRestHistograms ToHistograms(IReadOnlyList<string> labels, ScoreHistogramsSection section)
    {
        var grid = HistogramGrid.ByName(section.Grid)
            ?? throw new InvalidDataException(
                $"score_histograms are on the grid '{section.Grid}', which exact histograms are never on; known: {HistogramGrid.LogitName}, {HistogramGrid.LinearName}.");
        var expectedSteps = ScoreHistogramsSection.StepsOf(grid);
        if (section.GridSteps != expectedSteps)
        {
            throw new InvalidDataException(
                $"score_histograms on the '{grid.Name}' grid give grid_steps {section.GridSteps}; that grid has {expectedSteps}.");
        }

        if (section.PerClass is null || section.PerClass.Count != labels.Count || labels.Any(l => !section.PerClass.ContainsKey(l)))
        {
            var released = section.PerClass is null ? "none" : string.Join(", ", section.PerClass.Keys);
            throw new InvalidDataException($"score_histograms cover the classes [{released}], not the labels [{string.Join(", ", labels)}].");
        }

        var histograms = new OneVsRestHistograms(labels, grid);
        for (var c = 0; c < labels.Count; c++)
        {
            var entry = section.PerClass[labels[c]];
            if (entry?.Positives is null || entry.Negatives is null)
            {
                throw new InvalidDataException($"score_histograms of class '{labels[c]}' lack positives or negatives.");
            }

            var released = ScoreHistogram.FromCounts(grid, entry.Positives, entry.Negatives);
            for (var bin = 0; bin < grid.Bins; bin++)
            {
                histograms[c].AddToBin(bin, isPositive: true, released.Positives[bin]);
                histograms[c].AddToBin(bin, isPositive: false, released.Negatives[bin]);
            }
        }

        return histograms;
    }

    /// <exception cref="InvalidDataException">Missing arrays or impossible sums.</exception>
    public static CalibrationStatistics ToCalibration(CalibrationSection section)
    {
        if (section.Bins is not { Count: { } count, Correct: { } correct, ConfidenceSteps: { } confidence })
        {
            throw new InvalidDataException("calibration lacks its bins (count, correct, confidence_steps).");
        }

        if (count.Any(c => c < 0))
        {
            throw new InvalidDataException("calibration holds a negative count.");
        }

        return CalibrationStatistics.FromSums(count, correct, confidence, section.SquaredErrorSteps);
    }
}
