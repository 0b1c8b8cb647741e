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
        var perClass = new (long Tp, long Fp, long Fn, long Tn)[n];
        long sumTp = 0;
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

            perClass[c] = (tp, fp, fn, total - tp - fp - fn);
            sumTp += tp;
        }

        return Averages.Report(counts.Labels, perClass, Averages.ZeroDivision.NotEstimable, Averages.Ratio(sumTp, total, Averages.ZeroDivision.NotEstimable));
    }

    /// <summary>Null when either ratio is; 0 when both are 0 (no true positive, both denominators non-zero: a real 0).</summary>
    public static double? F1(double? precision, double? recall) =>
        precision is not { } p || recall is not { } r ? null : p + r == 0 ? 0 : 2 * p * r / (p + r);
}

/// <summary>
/// Per-class precision, recall and F1 from one-vs-rest tp / fp / fn, and their micro (over the summed counts), macro
/// (unweighted mean over classes) and weighted (by support, tp + fn) averages: the one implementation behind
/// single-label, multi-label and seqeval reports, which differ only in what a ratio over 0 is.
/// </summary>
public static class Averages
{
    /// <summary>What a ratio whose denominator is 0 is.</summary>
    public enum ZeroDivision
    {
        /// <summary>Null: not estimable (single-label results).</summary>
        NotEstimable,

        /// <summary>0, as scikit-learn's and seqeval's <c>zero_division=0</c> (seqeval and multi-label results).</summary>
        Zero,
    }

    /// <param name="labels">The classes, in the order <see cref="ClassificationReport.PerClass"/> lists them.</param>
    /// <param name="counts">Per class, in <paramref name="labels"/>' order.</param>
    /// <param name="accuracy">The report's accuracy, which each task defines its own way.</param>
    public static ClassificationReport Report(
        IReadOnlyList<string> labels,
        IReadOnlyList<(long Tp, long Fp, long Fn, long Tn)> counts,
        ZeroDivision zeroDivision,
        double? accuracy)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(counts);
        var perClass = new Dictionary<string, ClassMetrics>(StringComparer.Ordinal);
        long sumTp = 0, sumFp = 0, sumFn = 0, totalSupport = 0;
        double? macroP = 0, macroR = 0, macroF = 0, weightedP = 0, weightedR = 0, weightedF = 0;
        for (var c = 0; c < labels.Count; c++)
        {
            var (tp, fp, fn, tn) = counts[c];
            var support = tp + fn;
            var precision = Ratio(tp, tp + fp, zeroDivision);
            var recall = Ratio(tp, support, zeroDivision);
            var f1 = ClassificationMetrics.F1(precision, recall);
            perClass[labels[c]] = new ClassMetrics(precision, recall, f1, support, tp, fp, fn, tn);
            sumTp += tp;
            sumFp += fp;
            sumFn += fn;
            totalSupport += support;
            macroP += precision;
            macroR += recall;
            macroF += f1;
            weightedP += Weighted(precision, support);
            weightedR += Weighted(recall, support);
            weightedF += Weighted(f1, support);
        }

        var microP = Ratio(sumTp, sumTp + sumFp, zeroDivision);
        var microR = Ratio(sumTp, sumTp + sumFn, zeroDivision);
        var n = labels.Count;
        var none = zeroDivision == ZeroDivision.Zero ? new AveragedMetrics(0, 0, 0) : new AveragedMetrics(null, null, null);
        return new ClassificationReport(
            perClass,
            new AveragedMetrics(microP, microR, ClassificationMetrics.F1(microP, microR)),
            n == 0 ? none : new AveragedMetrics(macroP / n, macroR / n, macroF / n),
            totalSupport == 0 ? none : new AveragedMetrics(weightedP / totalSupport, weightedR / totalSupport, weightedF / totalSupport),
            accuracy);
    }

    public static double? Ratio(long numerator, long denominator, ZeroDivision zeroDivision) =>
        denominator != 0 ? (double)numerator / denominator : zeroDivision == ZeroDivision.Zero ? 0 : null;

    /// <summary>A class without support weighs nothing, so its undefined recall does not make the weighted average undefined.</summary>
    private static double? Weighted(double? value, long support) => support == 0 ? 0 : value * support;
}
