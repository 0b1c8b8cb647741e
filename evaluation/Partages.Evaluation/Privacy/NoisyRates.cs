namespace Partages.Evaluation.Privacy;

/// <summary>Per-class figures and their micro, macro and weighted averages, from noisy tp / fp / fn.</summary>
public sealed record NoisyRateReport(
    IReadOnlyList<string> Classes,
    IReadOnlyDictionary<string, NoisyClassMetrics> PerClass,
    NoisyAveragedMetrics Micro,
    NoisyAveragedMetrics Macro,
    NoisyAveragedMetrics Weighted);

/// <summary>
/// Precision, recall and F1 from per-class tp, fp and fn released under DP, each with independent noise of variance
/// <c>cellVariance</c> (pooled: the sites' variances summed; 0 for exact counts): a multi-label result's labels, or
/// seqeval's entity types. Unlike a confusion matrix, these counts do not share one total, so each class is its own
/// one-vs-rest table.
/// <list type="bullet">
/// <item>Precision tp / (tp + fp), recall tp / (tp + fn), F1 2tp / (2tp + fp + fn), each from the noisy counts summed
/// before clipping, the numerator clipped at 0, the ratio clamped to [0, 1] (as <see cref="NoisyClassification"/>).</item>
/// <item>Micro: the same ratios over the sums across classes. Macro: the unweighted mean of the classes' figures.
/// Weighted: weighted by each class's noisy support tp + fn, clipped at 0.</item>
/// <item>Not estimable (null, never 0 or 1): a ratio whose noisy denominator — k noisy cells, noise variance k·σ² — is
/// not at least 2 standard deviations above 0 (k = 2 per class, 2C for micro); macro and weighted need every class's
/// figure, weighted also a total support clearly above 0.</item>
/// <item>95 % intervals by simulation and deterministic seeding, as <see cref="NoisyClassification"/> describes.</item>
/// </list>
/// </summary>
public static class NoisyRates
{
    private const int Averages = 9;

    public static NoisyRateReport Estimate(IReadOnlyList<string> classes, long[] tp, long[] fp, long[] fn, double cellVariance, int simulations = 2000)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(tp);
        ArgumentNullException.ThrowIfNull(fp);
        ArgumentNullException.ThrowIfNull(fn);
        var c = classes.Count;
        if (c == 0 || tp.Length != c || fp.Length != c || fn.Length != c)
        {
            throw new ArgumentException($"tp, fp and fn need one count per class ({c}).", nameof(tp));
        }

        if (classes.Distinct(StringComparer.Ordinal).Count() != c)
        {
            throw new ArgumentException("Classes must be distinct.", nameof(classes));
        }

        var cells = new long[3 * c];
        for (var k = 0; k < c; k++)
        {
            (cells[3 * k], cells[3 * k + 1], cells[3 * k + 2]) = (tp[k], fp[k], fn[k]);
        }

        var figures = NoisyFigures.Estimate(
            "Partages.NoisyRates.v1", classes, cells, cellVariance, Estimability(tp, fp, fn, cellVariance), (values, output) => Compute(values, c, output), simulations);
        NoisyAveragedMetrics Averaged(int first) => new(figures[first], figures[first + 1], figures[first + 2]);

        var perClass = new Dictionary<string, NoisyClassMetrics>(StringComparer.Ordinal);
        for (var k = 0; k < c; k++)
        {
            perClass[classes[k]] = new NoisyClassMetrics(figures[3 * k], figures[3 * k + 1], figures[3 * k + 2], Math.Max(0L, tp[k] + fn[k]));
        }

        return new NoisyRateReport([.. classes], perClass, Averaged(3 * c), Averaged(3 * c + 3), Averaged(3 * c + 6));
    }

    private static bool[] Estimability(long[] tp, long[] fp, long[] fn, double variance)
    {
        var c = tp.Length;
        var estimable = new bool[3 * c + Averages];
        for (var k = 0; k < c; k++)
        {
            estimable[3 * k] = NoisySimulation.IsClearlyPositive(tp[k] + fp[k], 2, variance);
            estimable[3 * k + 1] = NoisySimulation.IsClearlyPositive(tp[k] + fn[k], 2, variance);
            estimable[3 * k + 2] = estimable[3 * k] && estimable[3 * k + 1];
        }

        var predicted = NoisySimulation.IsClearlyPositive(tp.Sum() + fp.Sum(), 2 * c, variance);
        var support = NoisySimulation.IsClearlyPositive(tp.Sum() + fn.Sum(), 2 * c, variance);
        estimable[3 * c] = predicted;
        estimable[3 * c + 1] = support;
        estimable[3 * c + 2] = predicted && support;
        for (var m = 0; m < 3; m++)
        {
            var everyClass = Enumerable.Range(0, c).All(k => estimable[3 * k + m]);
            estimable[3 * c + 3 + m] = everyClass;
            estimable[3 * c + 6 + m] = everyClass && support;
        }

        return estimable;
    }

    /// <summary>Figures from signed cells laid out (tp, fp, fn) per class: per class P, R, F1; then micro, macro, weighted.</summary>
    private static void Compute(ReadOnlySpan<double> cells, int c, Span<double> output)
    {
        double sumTp = 0, sumFp = 0, sumFn = 0;
        var sums = new ClassFigureSums();
        for (var k = 0; k < c; k++)
        {
            var (tp, fp, fn) = (cells[3 * k], cells[3 * k + 1], cells[3 * k + 2]);
            var precision = NoisySimulation.Proportion(tp, tp + fp);
            var recall = NoisySimulation.Proportion(tp, tp + fn);
            var f1 = NoisySimulation.Proportion(2 * tp, 2 * tp + fp + fn);
            sums.Add(output, k, precision, recall, f1, tp + fn);
            sumTp += tp;
            sumFp += fp;
            sumFn += fn;
        }

        output[3 * c] = NoisySimulation.Proportion(sumTp, sumTp + sumFp);
        output[3 * c + 1] = NoisySimulation.Proportion(sumTp, sumTp + sumFn);
        output[3 * c + 2] = NoisySimulation.Proportion(2 * sumTp, 2 * sumTp + sumFp + sumFn);
        sums.WriteAverages(output, c);
    }
}

/// <summary>
/// One proportion from two noisy counts that split a whole — e.g. a multi-label result's exact matches and the
/// other documents (subset accuracy): a / (a + b), estimable when a + b (2 cells) is clearly above 0.
/// </summary>
public static class NoisyProportion
{
    public static NoisyInterval Estimate(long numerator, long complement, double cellVariance, int simulations = 2000)
    {
        var estimable = new[] { NoisySimulation.IsClearlyPositive(numerator + complement, 2, cellVariance) };
        return NoisyFigures.Estimate(
            "Partages.NoisyProportion.v1",
            [],
            [numerator, complement],
            cellVariance,
            estimable,
            (cells, output) => output[0] = NoisySimulation.Proportion(cells[0], cells[0] + cells[1]),
            simulations)[0];
    }
}
