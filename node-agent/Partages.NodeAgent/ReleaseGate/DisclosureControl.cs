using System.Globalization;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>The disclosure rules one release is held to, taken from the node policy.</summary>
/// <param name="MinCellCount">k: every released count is 0 or at least k.</param>
/// <param name="MinDatasetDocuments">A result over fewer evaluated documents is refused.</param>
/// <param name="Epsilon">ε of this release when the dataset is under differential privacy; else null.</param>
public sealed record DisclosureRules(int MinCellCount, int MinDatasetDocuments, double? Epsilon);

/// <summary>
/// Turns an evaluation's result into what may leave the node (docs/release-gate.md). In order:
/// <list type="number">
/// <item>a result over fewer documents than the policy's minimum is refused;</item>
/// <item>under differential privacy, discrete Laplace noise is added to every count of the confusion matrix and of
/// the skipped-document kinds (one document is in exactly one of them: L1 sensitivity 1), clamped at 0; the score
/// histograms and calibration sums are withheld (see the docs for why);</item>
/// <item>k: matrix cells and skipped counts between 1 and k − 1 are released as 0 (after the noise, so suppression
/// is post-processing and costs no privacy); histogram bins under k are merged with their neighbours
/// (<see cref="HistogramBinMerging"/>); calibration is withheld unless each of its bins has 0 or ≥ k documents,
/// correct and incorrect predictions;</item>
/// <item>a section whose totals would give away suppressed cells (histograms carry each class's true support and the
/// true document count; calibration the true count and number correct) is withheld when the difference is between
/// 1 and k − 1;</item>
/// <item>every metric is derived again from the released statistics, and the document count and input summary from
/// the released counts, so nothing released contradicts the released matrix.</item>
/// </list>
/// Entity recognition and multi-label results have their own counts and rules (<see cref="NerDisclosure"/>,
/// <see cref="MultiLabelDisclosure"/>); both are refused under differential privacy.
/// </summary>
public static class DisclosureControl
{
    /// <exception cref="EvaluationRefusedException">The dataset is under the minimum size.</exception>
    public static ResultDocument Apply(ResultDocument result, DisclosureRules rules, ICountNoise noise)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(noise);
        if (result.NDocuments < rules.MinDatasetDocuments)
        {
            // The exact size stays on the node: the reason names the rule, not the count.
            throw new EvaluationRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"the dataset has fewer evaluable documents than this node's minimum for a release (release.min_dataset_documents: {rules.MinDatasetDocuments})"));
        }

        var k = Math.Max(1, rules.MinCellCount);
        if (result.Task == TaskTypes.TokenClassification)
        {
            return NerDisclosure.Apply(result, k, rules.Epsilon is not null);
        }

        if (result.Task == TaskTypes.MultiLabelClassification)
        {
            return MultiLabelDisclosure.Apply(result, k, rules.Epsilon is not null);
        }

        var exact = result.ToCounts();
        var labels = exact.Labels;
        var matrix = exact.ToMatrix();
        var skipped = new SortedDictionary<string, long>(
            result.InputSummary.Skipped.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        var withheld = new List<WithheldSection>();

        DifferentialPrivacyRelease? privacy = null;
        if (rules.Epsilon is { } epsilon)
        {
            const int sensitivity = 1;
            privacy = new DifferentialPrivacyRelease(DifferentialPrivacyRelease.DiscreteLaplace, epsilon, sensitivity);
            foreach (var row in matrix)
            {
                for (var p = 0; p < row.Length; p++)
                {
                    row[p] = Math.Max(0, row[p] + noise.Sample(epsilon, sensitivity));
                }
            }

            foreach (var kind in skipped.Keys.ToList())
            {
                skipped[kind] = Math.Max(0, skipped[kind] + noise.Sample(epsilon, sensitivity));
            }
        }

        var suppressed = 0L;
        var suppressedByRow = new long[labels.Count];
        var suppressedDiagonal = 0L;
        for (var g = 0; g < labels.Count; g++)
        {
            for (var p = 0; p < labels.Count; p++)
            {
                if (matrix[g][p] > 0 && matrix[g][p] < k)
                {
                    suppressed++;
                    suppressedByRow[g] += exact[g, p];
                    suppressedDiagonal += g == p ? exact[g, p] : 0;
                    matrix[g][p] = 0;
                }
            }
        }

        suppressed += SuppressSkipped(skipped, k);

        var released = ClassificationCounts.FromMatrix(labels, [.. matrix.Select(row => (IReadOnlyList<long>)row)]);
        var suppressedTotal = suppressedByRow.Sum();

        var histograms = ReleaseHistograms(result, labels, k, privacy, suppressedByRow, suppressedTotal, withheld, out var movedBins);
        var calibration = ReleaseCalibration(result, k, privacy, suppressedTotal, suppressedDiagonal, withheld);

        var summary = new InputSummary
        {
            DocumentsEvaluated = released.DocumentCount,
            DocumentsRead = released.DocumentCount + skipped.Values.Sum(),
            Skipped = skipped,
        };
        return ResultDocument.FromStatistics(result.Task, released, histograms, calibration, summary) with
        {
            Release = new ReleaseSection(k, suppressed, movedBins, withheld, privacy),
        };
    }

    private static OneVsRestHistograms? ReleaseHistograms(
        ResultDocument result,
        IReadOnlyList<string> labels,
        int k,
        DifferentialPrivacyRelease? privacy,
        long[] suppressedByRow,
        long suppressedTotal,
        List<WithheldSection> withheld,
        out long movedBins)
    {
        const string section = "score_histograms";
        movedBins = 0;
        if (result.ScoreHistograms is null)
        {
            return null;
        }

        if (privacy is not null)
        {
            withheld.Add(new WithheldSection(section, "differential privacy is on: noise on each of the grid's bins would swamp the histograms"));
            return null;
        }

        if (Reveals(suppressedTotal, k) || suppressedByRow.Any(s => Reveals(s, k)))
        {
            withheld.Add(new WithheldSection(section, "their per-class totals would reveal confusion-matrix cells suppressed under k"));
            return null;
        }

        OneVsRestHistograms source;
        try
        {
            source = result.ToHistograms()!;
        }
        catch (InvalidDataException ex)
        {
            withheld.Add(new WithheldSection(section, "unusable: " + ex.Message));
            return null;
        }

        var merged = new OneVsRestHistograms(labels);
        for (var c = 0; c < labels.Count; c++)
        {
            var histogram = source[source.IndexOf(labels[c])];
            var grouped = HistogramBinMerging.Merge(histogram.Positives, histogram.Negatives, k);
            if (grouped is null)
            {
                withheld.Add(new WithheldSection(section, $"class '{labels[c]}' has between 1 and k − 1 positives or negatives in all, which no merging can hide"));
                movedBins = 0;
                return null;
            }

            for (var bin = 0; bin < grouped.Positives.Length; bin++)
            {
                merged[c].AddToBin(bin, isPositive: true, grouped.Positives[bin]);
                merged[c].AddToBin(bin, isPositive: false, grouped.Negatives[bin]);
            }

            movedBins += grouped.MovedBins;
        }

        return merged;
    }

    private static CalibrationStatistics? ReleaseCalibration(
        ResultDocument result,
        int k,
        DifferentialPrivacyRelease? privacy,
        long suppressedTotal,
        long suppressedDiagonal,
        List<WithheldSection> withheld)
    {
        const string section = "calibration";
        if (result.Calibration is null)
        {
            return null;
        }

        if (privacy is not null)
        {
            withheld.Add(new WithheldSection(section, "differential privacy is on: confidence sums have no noise calibrated for them"));
            return null;
        }

        if (Reveals(suppressedTotal, k) || Reveals(suppressedDiagonal, k))
        {
            withheld.Add(new WithheldSection(section, "its totals would reveal confusion-matrix cells suppressed under k"));
            return null;
        }

        CalibrationStatistics calibration;
        try
        {
            calibration = result.ToCalibration()!;
        }
        catch (InvalidDataException ex)
        {
            withheld.Add(new WithheldSection(section, "unusable: " + ex.Message));
            return null;
        }

        // Calibration bins cannot be merged (a bin's confidences must lie in its range), so one small bin withholds all.
        for (var bin = 0; bin < CalibrationStatistics.Bins; bin++)
        {
            var (count, correct, _) = calibration[bin];
            if (Reveals(count, k) || Reveals(correct, k) || Reveals(count - correct, k))
            {
                withheld.Add(new WithheldSection(section, "a reliability bin holds between 1 and k − 1 documents, correct or incorrect predictions"));
                return null;
            }
        }

        return calibration;
    }

    /// <summary>
    /// k on the skipped-document kinds: a kind with fewer than k documents is removed (listing it with 0 would still
    /// say "some documents were of this kind"). Returns how many kinds held between 1 and k − 1 documents.
    /// </summary>
    internal static long SuppressSkipped(SortedDictionary<string, long> skipped, int k)
    {
        var suppressed = 0L;
        foreach (var kind in skipped.Keys.ToList())
        {
            if (Reveals(skipped[kind], k))
            {
                suppressed++;
            }

            if (skipped[kind] < k)
            {
                skipped.Remove(kind);
            }
        }

        return suppressed;
    }

    /// <summary>The input summary of a release whose documents evaluated are not derived from a matrix: read = evaluated + the released skipped kinds.</summary>
    internal static InputSummary ReleasedSummary(long evaluated, SortedDictionary<string, long> skipped) => new()
    {
        DocumentsEvaluated = evaluated,
        DocumentsRead = evaluated + skipped.Values.Sum(),
        Skipped = skipped,
    };

    internal static SortedDictionary<string, long> SkippedOf(ResultDocument result) =>
        new(result.InputSummary.Skipped.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>A count that would be a released cell of fewer than k documents.</summary>
    internal static bool Reveals(long count, int k) => count > 0 && count < k;
}
