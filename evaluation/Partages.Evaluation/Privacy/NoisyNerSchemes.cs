namespace Partages.Evaluation.Privacy;

/// <summary>One scheme's precision, recall and F1 for one entity type (or overall), from noisy outcomes.</summary>
public sealed record NoisySchemeFigures(NoisyInterval Precision, NoisyInterval Recall, NoisyInterval F1);

/// <summary>
/// nervaluate's precision, recall and F1 under the four schemes, per entity type and overall, from outcomes released
/// under DP (every cell of <see cref="NerOutcomes.Cells"/> with independent noise of variance <c>cellVariance</c>).
/// <list type="bullet">
/// <item>Per type t: actual = A1 + A2 + A3 + A4 + A6, possible = A1 + A2 + A3 + A4 + A5 (the same under every scheme);
/// credit = A1 (strict), A1 + A2 (exact), A1 + A2 + ½(A3 + A4) (partial), A1 + A3 (type); precision = credit / actual,
/// recall = credit / possible, each clipped and clamped as in <see cref="NoisyClassification"/>, F1 their harmonic
/// mean. Overall: the same over the sums across types.</item>
/// <item>Not estimable (null, never 0 or 1) when actual or possible is not clearly above 0: k noisy cells, k = T + 3
/// per type (A2 is a row of T − 1 cells), T² + 3T overall.</item>
/// <item>95 % intervals by simulation over the T² + 4T cells, seeded from every input. The sampling model treats
/// entities as independent counts; entities cluster within reports, so the sampling part of the interval is
/// optimistic when reports hold many entities (the noise part is exact).</item>
/// </list>
/// </summary>
public static class NoisyNerSchemes
{
    /// <returns>Per scheme (<see cref="NerSchemes.All"/>), the figures of each type in <paramref name="types"/>' order, then overall.</returns>
    public static IReadOnlyDictionary<string, IReadOnlyList<NoisySchemeFigures>> Estimate(
        IReadOnlyList<string> types, NerOutcomes outcomes, double cellVariance, int simulations = 2000)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(outcomes);
        var t = types.Count;
        if (t == 0 || outcomes.Boundaries.Length != t || outcomes.Boundaries.Any(row => row.Length != t)
            || new[] { outcomes.OverlapSameType, outcomes.OverlapOtherType, outcomes.Missed, outcomes.Spurious }.Any(a => a.Length != t))
        {
            throw new ArgumentException($"The outcomes need a {t}×{t} boundary matrix and one count per type.", nameof(outcomes));
        }

        var rows = t + 1;
        var estimable = new bool[NerSchemes.All.Count * rows * 3];
        for (var row = 0; row < rows; row++)
        {
            var (actual, possible, cells) = row < t
                ? (Actual(outcomes, row), Possible(outcomes, row), t + 3)
                : (Enumerable.Range(0, t).Sum(k => Actual(outcomes, k)), Enumerable.Range(0, t).Sum(k => Possible(outcomes, k)), t * t + 3 * t);
            var precision = NoisySimulation.IsClearlyPositive(actual, cells, cellVariance);
            var recall = NoisySimulation.IsClearlyPositive(possible, cells, cellVariance);
            for (var s = 0; s < NerSchemes.All.Count; s++)
            {
                var first = (s * rows + row) * 3;
                (estimable[first], estimable[first + 1], estimable[first + 2]) = (precision, recall, precision && recall);
            }
        }

        var figures = NoisyFigures.Estimate(
            "Partages.NoisyNerSchemes.v1", types, outcomes.Cells(), cellVariance, estimable, (cells, output) => Compute(cells, t, output), simulations);
        var result = new Dictionary<string, IReadOnlyList<NoisySchemeFigures>>(StringComparer.Ordinal);
        for (var s = 0; s < NerSchemes.All.Count; s++)
        {
            result[NerSchemes.All[s]] = [.. Enumerable.Range(0, rows).Select(row =>
            {
                var first = (s * rows + row) * 3;
                return new NoisySchemeFigures(figures[first], figures[first + 1], figures[first + 2]);
            })];
        }

        return result;
    }

    private static long Actual(NerOutcomes o, int t) => o.Boundaries[t].Sum() + o.OverlapSameType[t] + o.OverlapOtherType[t] + o.Spurious[t];

    private static long Possible(NerOutcomes o, int t) => o.Boundaries[t].Sum() + o.OverlapSameType[t] + o.OverlapOtherType[t] + o.Missed[t];

    /// <summary>Every figure from signed cells in <see cref="NerOutcomes.Cells"/>' layout: per scheme, per type then overall, (P, R, F1).</summary>
    private static void Compute(ReadOnlySpan<double> cells, int t, Span<double> output)
    {
        var rows = t + 1;
        Span<double> credit = stackalloc double[4];
        Span<double> totalCredit = stackalloc double[4];
        double totalActual = 0, totalPossible = 0;
        for (var row = 0; row <= t; row++)
        {
            double actual, possible;
            if (row < t)
            {
                double a1 = cells[row * t + row], rowSum = 0;
                for (var p = 0; p < t; p++)
                {
                    rowSum += cells[row * t + p];
                }

                var a2 = rowSum - a1;
                var (a3, a4, a5, a6) = (cells[t * t + row], cells[t * t + t + row], cells[t * t + 2 * t + row], cells[t * t + 3 * t + row]);
                actual = rowSum + a3 + a4 + a6;
                possible = rowSum + a3 + a4 + a5;
                credit[0] = a1;
                credit[1] = a1 + a2;
                credit[2] = a1 + a2 + 0.5 * (a3 + a4);
                credit[3] = a1 + a3;
                totalActual += actual;
                totalPossible += possible;
                for (var s = 0; s < 4; s++)
                {
                    totalCredit[s] += credit[s];
                }
            }
            else
            {
                (actual, possible) = (totalActual, totalPossible);
                totalCredit.CopyTo(credit);
            }

            for (var s = 0; s < 4; s++)
            {
                var first = (s * rows + row) * 3;
                var precision = NoisySimulation.Proportion(credit[s], actual);
                var recall = NoisySimulation.Proportion(credit[s], possible);
                output[first] = precision;
                output[first + 1] = recall;
                output[first + 2] = NoisyFigures.HarmonicMean(precision, recall);
            }
        }
    }
}
