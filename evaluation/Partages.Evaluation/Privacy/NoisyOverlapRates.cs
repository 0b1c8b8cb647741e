namespace Partages.Evaluation.Privacy;

/// <summary>
/// EDS-NLP's <c>ner_overlap</c> figures from noisy counts: per type four released cells, true predictions, the other
/// predictions, true gold spans and the other gold spans, each with independent noise of variance
/// <c>cellVariance</c> (pooled: summed over the sites). Unlike <see cref="NoisyRates"/>, precision and recall have
/// different numerators (a prediction is true by its best gold span, a gold span by its best prediction), so they
/// read different cells.
/// <list type="bullet">
/// <item>Precision = true predictions / predictions, recall = true gold / gold, F1 their harmonic mean (EDS-NLP's
/// 2 / (1/p + 1/r), 0 when either is 0), clipped and clamped as <see cref="NoisyClassification"/>. Micro: the same
/// over the sums across types.</item>
/// <item>Not estimable (null) when the predictions (2 cells per type, 2T for micro) or the gold spans are not clearly
/// above 0; F1 needs both.</item>
/// <item>95 % intervals by simulation (<see cref="NoisyFigures"/>).</item>
/// </list>
/// </summary>
public static class NoisyOverlapRates
{
    /// <summary>Cells per type: true predictions, other predictions, true gold, other gold.</summary>
    public const int CellsPerType = 4;

    /// <param name="cells">Per type, in <paramref name="types"/>' order, its <see cref="CellsPerType"/> cells.</param>
    /// <returns>The figures of each type in <paramref name="types"/>' order, then micro.</returns>
    public static IReadOnlyList<NoisyAveragedMetrics> Estimate(IReadOnlyList<string> types, long[] cells, double cellVariance, int simulations = 2000)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(cells);
        var t = types.Count;
        if (t == 0 || cells.Length != CellsPerType * t)
        {
            throw new ArgumentException($"ner_overlap needs {CellsPerType} cells per type ({t}).", nameof(cells));
        }

        var estimable = new bool[3 * (t + 1)];
        long allPredicted = 0, allGold = 0;
        for (var k = 0; k <= t; k++)
        {
            var (predicted, gold, count) = k < t
                ? (cells[CellsPerType * k] + cells[CellsPerType * k + 1], cells[CellsPerType * k + 2] + cells[CellsPerType * k + 3], 2)
                : (allPredicted, allGold, 2 * t);
            if (k < t)
            {
                (allPredicted, allGold) = (allPredicted + predicted, allGold + gold);
            }

            estimable[3 * k] = NoisySimulation.IsClearlyPositive(predicted, count, cellVariance);
            estimable[3 * k + 1] = NoisySimulation.IsClearlyPositive(gold, count, cellVariance);
            estimable[3 * k + 2] = estimable[3 * k] && estimable[3 * k + 1];
        }

        var figures = NoisyFigures.Estimate("Partages.NoisyOverlapRates.v1", types, cells, cellVariance, estimable, (values, output) => Compute(values, t, output), simulations);
        return [.. Enumerable.Range(0, t + 1).Select(k => new NoisyAveragedMetrics(figures[3 * k], figures[3 * k + 1], figures[3 * k + 2]))];
    }

    /// <summary>Per type then micro: (P, R, F1) from signed cells.</summary>
    private static void Compute(ReadOnlySpan<double> cells, int t, Span<double> output)
    {
        double truePred = 0, predicted = 0, trueGold = 0, gold = 0;
        for (var k = 0; k <= t; k++)
        {
            var (tp, p, tg, g) = k < t
                ? (cells[CellsPerType * k], cells[CellsPerType * k] + cells[CellsPerType * k + 1], cells[CellsPerType * k + 2], cells[CellsPerType * k + 2] + cells[CellsPerType * k + 3])
                : (truePred, predicted, trueGold, gold);
            if (k < t)
            {
                (truePred, predicted, trueGold, gold) = (truePred + tp, predicted + p, trueGold + tg, gold + g);
            }

            var precision = NoisySimulation.Proportion(tp, p);
            var recall = NoisySimulation.Proportion(tg, g);
            (output[3 * k], output[3 * k + 1], output[3 * k + 2]) = (precision, recall, NoisyFigures.HarmonicMean(precision, recall));
        }
    }
}
