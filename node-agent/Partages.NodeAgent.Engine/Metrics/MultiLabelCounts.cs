using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;

namespace Partages.NodeAgent.Engine.Metrics;

/// <summary>
/// The sufficient statistic of a multi-label classification: for each label, one-vs-rest tp / fp / fn / tn over
/// documents, plus how many documents had exactly their gold label set predicted. Every metric derives from these
/// sums, so sites pool exactly by adding them, as confusion matrices do for single-label tasks.
/// </summary>
public sealed class MultiLabelCounts
{
    private readonly long[] _tp;
    private readonly long[] _fp;
    private readonly long[] _fn;
    private readonly long[] _tn;

    public MultiLabelCounts(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Labels = [.. labels];
        if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
        {
            throw new ArgumentException("Labels must be distinct.", nameof(labels));
        }

        _tp = new long[Labels.Count];
        _fp = new long[Labels.Count];
        _fn = new long[Labels.Count];
        _tn = new long[Labels.Count];
        Statistics = new MultiLabelStatistics(Labels);
    }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>The same counts plus the label co-occurrence, as the released result holds them (<see cref="MultiLabelResults"/>).</summary>
    public MultiLabelStatistics Statistics { get; }

    public long DocumentCount { get; private set; }

    /// <summary>Documents whose predicted label set equals their gold set (subset accuracy's numerator).</summary>
    public long ExactMatches { get; private set; }

    public (long Tp, long Fp, long Fn, long Tn) this[int label] => (_tp[label], _fp[label], _fn[label], _tn[label]);

    /// <summary>One document: <paramref name="gold"/> and <paramref name="predicted"/> hold one flag per label, in <see cref="Labels"/> order.</summary>
    public void Add(ReadOnlySpan<bool> gold, ReadOnlySpan<bool> predicted)
    {
        if (gold.Length != Labels.Count || predicted.Length != Labels.Count)
        {
            throw new ArgumentException($"Expected {Labels.Count} flags per document.");
        }

        var exact = true;
        for (var c = 0; c < Labels.Count; c++)
        {
            var counts = (gold[c], predicted[c]) switch
            {
                (true, true) => _tp,
                (false, true) => _fp,
                (true, false) => _fn,
                (false, false) => _tn,
            };
            counts[c]++;
            exact &= gold[c] == predicted[c];
        }

        Statistics.Add(gold, predicted);
        DocumentCount++;
        if (exact)
        {
            ExactMatches++;
        }
    }

    /// <summary>
    /// Per-label precision, recall and F1 (zero denominators give 0, as scikit-learn's <c>zero_division=0</c>);
    /// micro sums tp / fp / fn over labels; macro is the unweighted mean; weighted weights by support (gold count).
    /// </summary>
    public (IReadOnlyDictionary<string, ClassMetrics> PerClass, AveragedMetrics Micro, AveragedMetrics Macro, AveragedMetrics Weighted) Compute()
    {
        var perClass = new SortedDictionary<string, ClassMetrics>(StringComparer.Ordinal);
        long sumTp = 0, sumFp = 0, sumFn = 0, totalSupport = 0;
        double macroP = 0, macroR = 0, macroF = 0, weightedP = 0, weightedR = 0, weightedF = 0;
        for (var c = 0; c < Labels.Count; c++)
        {
            var support = _tp[c] + _fn[c];
            var precision = Ratio(_tp[c], _tp[c] + _fp[c]);
            var recall = Ratio(_tp[c], support);
            var f1 = F1(precision, recall);
            perClass[Labels[c]] = new ClassMetrics(precision, recall, f1, support, _tp[c], _fp[c], _fn[c], _tn[c]);
            sumTp += _tp[c];
            sumFp += _fp[c];
            sumFn += _fn[c];
            totalSupport += support;
            macroP += precision;
            macroR += recall;
            macroF += f1;
            weightedP += precision * support;
            weightedR += recall * support;
            weightedF += f1 * support;
        }

        var microP = Ratio(sumTp, sumTp + sumFp);
        var microR = Ratio(sumTp, sumTp + sumFn);
        var n = Labels.Count;
        return (
            perClass,
            new AveragedMetrics(microP, microR, F1(microP, microR)),
            n == 0 ? new AveragedMetrics(0, 0, 0) : new AveragedMetrics(macroP / n, macroR / n, macroF / n),
            totalSupport == 0 ? new AveragedMetrics(0, 0, 0) : new AveragedMetrics(weightedP / totalSupport, weightedR / totalSupport, weightedF / totalSupport));
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private static double F1(double precision, double recall) =>
        precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
}
