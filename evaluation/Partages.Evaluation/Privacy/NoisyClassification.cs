namespace Partages.Evaluation.Privacy;

/// <summary>Precision, recall and F1 of one class, from noisy counts.</summary>
/// <param name="EstimatedSupport">The class's gold count estimated from its noisy row: the row's sum, clipped at 0.</param>
public sealed record NoisyClassMetrics(NoisyInterval Precision, NoisyInterval Recall, NoisyInterval F1, double EstimatedSupport);

public sealed record NoisyAveragedMetrics(NoisyInterval Precision, NoisyInterval Recall, NoisyInterval F1);

/// <summary>The classification figures of a noisy confusion matrix; <see cref="Labels"/> keeps the matrix's order.</summary>
public sealed record NoisyClassificationReport(
    IReadOnlyList<string> Labels,
    IReadOnlyDictionary<string, NoisyClassMetrics> PerClass,
    NoisyAveragedMetrics Micro,
    NoisyAveragedMetrics Macro,
    NoisyAveragedMetrics Weighted,
    NoisyInterval Accuracy);

/// <summary>
/// Classification figures from a confusion matrix released under DP (rows gold, columns predicted, each cell with
/// independent noise of variance <c>cellVariance</c>; for pooled sites, the sum of their variances; 0 for counts
/// released exactly).
/// <list type="bullet">
/// <item>Point estimates: each figure's numerator and denominator are sums of the noisy cells, clipped at 0, and the
/// ratio is clamped to [0, 1]. The cells are summed before clipping, not clipped one by one: the noise on an empty
/// cell has mean 0, but clipped it has mean 0.4 σ, and a figure summing dozens of near-empty cells (a histogram, a
/// sparse confusion matrix) would gather that bias dozens of times — the tests measured an AUROC of 0.97 printed
/// as 0.89, its interval never covering, with per-cell clipping at σ = 4.</item>
/// <item>Not estimable (null, never 0 or 1): a ratio whose noisy denominator — a sum of k noisy cells, noise
/// variance k·σ² — is ≤ 0 or below 2 standard deviations of that noise. Precision and recall of a class use a column
/// or a row (k = C), F1 needs both, accuracy and micro averages the whole matrix (k = C²); macro and weighted
/// averages need every class's figure estimable.</item>
/// <item>95 % intervals by simulation (<see cref="NoisySimulation.DrawCell"/>): each simulation draws every
/// cell's expected count from an approximate posterior that holds both the sampling error (Jeffreys' posterior of a
/// Poisson count, a Bayesian bootstrap over cells) and the DP noise (normal, variance σ²), and computes every figure
/// with the point estimate's own formulas. The draws keep the noisy counts' signs: a posterior over non-negative
/// counts puts mass above 0 on every empty cell and drags sums the same way clipping does. Draws where a figure's
/// denominator is not positive are left out of its quantiles. Coverage is checked by simulation in the tests.
/// The interval is widened if needed to contain the point estimate.</item>
/// <item>Deterministic: the generator is seeded with a hash of the labels, the matrix, the variance and the number
/// of simulations, so the same released counts always give the same interval, byte for byte.</item>
/// </list>
/// </summary>
public static class NoisyClassification
{
    // Figure layout: per class (precision, recall, F1), then micro, macro, weighted (P, R, F1 each), then accuracy.
    private const int Averages = 9;

    public static NoisyClassificationReport Estimate(IReadOnlyList<string> labels, long[][] noisyMatrix, double cellVariance, int simulations = 2000)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(noisyMatrix);
        NoisySimulation.Validate(cellVariance, simulations);
        var c = labels.Count;
        if (c == 0 || noisyMatrix.Length != c || noisyMatrix.Any(row => row is null || row.Length != c))
        {
            throw new ArgumentException($"The matrix must be {c}×{c}, one row and one column per label.", nameof(noisyMatrix));
        }

        if (labels.Distinct(StringComparer.Ordinal).Count() != c)
        {
            throw new ArgumentException("Labels must be distinct.", nameof(labels));
        }

        var estimable = Estimability(noisyMatrix, cellVariance);

        var noisyCells = noisyMatrix.SelectMany(row => row).ToArray();
        // Seeded with the number of classes, as the intervals released before the simulation was shared were.
        var intervals = NoisyFigures.Estimate(
            "Partages.NoisyClassification.v1",
            labels,
            noisyCells,
            cellVariance,
            estimable,
            (cells, figures) => Compute(cells, c, figures),
            simulations,
            seedSize: c);

        NoisyInterval Figure(int f) => intervals[f];
        NoisyAveragedMetrics Averaged(int first) => new(Figure(first), Figure(first + 1), Figure(first + 2));

        var perClass = new Dictionary<string, NoisyClassMetrics>(StringComparer.Ordinal);
        for (var k = 0; k < c; k++)
        {
            var support = Math.Max(0L, noisyMatrix[k].Sum());
            perClass[labels[k]] = new NoisyClassMetrics(Figure(3 * k), Figure(3 * k + 1), Figure(3 * k + 2), support);
        }

        return new NoisyClassificationReport([.. labels], perClass, Averaged(3 * c), Averaged(3 * c + 3), Averaged(3 * c + 6), Figure(3 * c + 9));
    }

    /// <summary>Which figures the noisy counts can support (see the class summary for the rule).</summary>
    private static bool[] Estimability(long[][] noisy, double variance)
    {
        var c = noisy.Length;
        var estimable = new bool[3 * c + Averages + 1];
        double total = 0;
        for (var k = 0; k < c; k++)
        {
            double row = 0, column = 0;
            for (var j = 0; j < c; j++)
            {
                row += noisy[k][j];
                column += noisy[j][k];
            }

            total += row;
            estimable[3 * k] = NoisySimulation.IsClearlyPositive(column, c, variance);
            estimable[3 * k + 1] = NoisySimulation.IsClearlyPositive(row, c, variance);
            estimable[3 * k + 2] = estimable[3 * k] && estimable[3 * k + 1];
        }

        var whole = NoisySimulation.IsClearlyPositive(total, c * c, variance);
        for (var m = 0; m < 3; m++)
        {
            var everyClass = Enumerable.Range(0, c).All(k => estimable[3 * k + m]);
            estimable[3 * c + m] = whole;
            estimable[3 * c + 3 + m] = everyClass;
            estimable[3 * c + 6 + m] = everyClass && whole;
        }

        estimable[3 * c + 9] = whole;
        return estimable;
    }

    /// <summary>Every figure from signed cell values (noisy counts or simulated draws), in the layout above; NaN where undefined.</summary>
    private static void Compute(ReadOnlySpan<double> cells, int c, Span<double> output)
    {
        double total = 0, trace = 0;
        var sums = new ClassFigureSums();
        for (var k = 0; k < c; k++)
        {
            double row = 0, column = 0;
            for (var j = 0; j < c; j++)
            {
                row += cells[k * c + j];
                column += cells[j * c + k];
            }

            var tp = cells[k * c + k];
            var precision = NoisySimulation.Proportion(tp, column);
            var recall = NoisySimulation.Proportion(tp, row);
            var f1 = NoisySimulation.Proportion(2 * tp, row + column);
            sums.Add(output, k, precision, recall, f1, row);
            total += row;
            trace += tp;
        }

        var accuracy = NoisySimulation.Proportion(trace, total);
        // Single-label: every error is a false positive of one class and a false negative of another, so micro P = R = F1 = accuracy.
        output[3 * c] = output[3 * c + 1] = output[3 * c + 2] = accuracy;
        sums.WriteAverages(output, c);
        output[3 * c + 9] = accuracy;
    }
}
