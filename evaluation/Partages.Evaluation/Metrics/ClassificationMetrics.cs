namespace Partages.Evaluation.Metrics;

public sealed record ClassMetrics(double? Precision, double? Recall, double? F1, long Support, long Tp, long Fp, long Fn, long Tn);

public sealed record AveragedMetrics(double? Precision, double? Recall, double? F1);

public sealed record ClassificationReport(
    IReadOnlyDictionary<string, ClassMetrics> PerClass,
    AveragedMetrics Micro,
    AveragedMetrics Macro,
    AveragedMetrics Weighted,
    double? Accuracy);

/// <summary>
/// Derives precision, recall and F1 from a confusion matrix. A ratio whose denominator is zero is not estimable
/// (null), never 0 or 1: a class never predicted has no precision, and printing 0 (scikit-learn's
/// <c>zero_division=0</c>) would read as "every prediction of it was wrong". F1 is null when precision or recall is;
/// an average is null when one of the figures it averages is (weighted: one with a non-zero weight).
/// </summary>
public static class ClassificationMetrics
{
    public static ClassificationReport Compute(ClassificationCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var n = counts.Labels.Count;
        var total = counts.DocumentCount;
        var perClass = new Dictionary<string, ClassMetrics>(StringComparer.Ordinal);
        long sumTp = 0, sumFp = 0, sumFn = 0;
        double? macroP = 0, macroR = 0, macroF = 0, weightedP = 0, weightedR = 0, weightedF = 0;

        for (var c = 0; c < n; c++)
        {
            long tp = counts[c, c], fp = 0, fn = 0;
            for (var k = 0; k < n; k++)
            {
                if (k == c)
                {
                    continue;
                }

                fp += counts[k, c];
                fn += counts[c, k];
            }

            var support = tp + fn;
            var precision = Ratio(tp, tp + fp);
            var recall = Ratio(tp, tp + fn);
            var f1 = F1(precision, recall);
            perClass[counts.Labels[c]] = new ClassMetrics(precision, recall, f1, support, tp, fp, fn, total - tp - fp - fn);

            sumTp += tp;
            sumFp += fp;
            sumFn += fn;
            macroP += precision;
            macroR += recall;
            macroF += f1;
            weightedP += Weighted(precision, support);
            weightedR += Weighted(recall, support);
            weightedF += Weighted(f1, support);
        }

        var microP = Ratio(sumTp, sumTp + sumFp);
        var microR = Ratio(sumTp, sumTp + sumFn);
        return new ClassificationReport(
            perClass,
            new AveragedMetrics(microP, microR, F1(microP, microR)),
            n == 0 ? new AveragedMetrics(null, null, null) : new AveragedMetrics(macroP / n, macroR / n, macroF / n),
            total == 0 ? new AveragedMetrics(null, null, null) : new AveragedMetrics(weightedP / total, weightedR / total, weightedF / total),
            Ratio(sumTp, total));
    }

    private static double? Ratio(long numerator, long denominator) => denominator == 0 ? null : (double)numerator / denominator;

    /// <summary>A class without support weighs nothing, so its undefined recall does not make the weighted average undefined.</summary>
    private static double? Weighted(double? value, long support) => support == 0 ? 0 : value * support;

    /// <summary>Null when either ratio is; 0 when both are 0 (no true positive, both denominators non-zero: a real 0).</summary>
    public static double? F1(double? precision, double? recall) =>
        precision is not { } p || recall is not { } r ? null : p + r == 0 ? 0 : 2 * p * r / (p + r);
}
