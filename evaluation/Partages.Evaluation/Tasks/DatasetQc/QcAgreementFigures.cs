using Partages.Evaluation.Metrics.Agreement;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// The agreement figures of a QC section, derived from its released counts. Exact counts: Krippendorff's α and
/// Fleiss' κ as points (no interval: neither has one from counts alone, docs/data-quality.md), Cohen's κ with its
/// Wald interval. Noisy counts: each figure from the signed noisy cells (clipping each cell at 0 would turn the noise
/// on the many empty disagreement cells into disagreement and bias α and κ down; their sums are unbiased), clamped
/// to its range, with a 95 % interval by simulation from the mechanism (each cell redrawn with Poisson sampling and
/// the release's noise, <see cref="NoisySimulation.DrawCell"/>), and not estimable (null) when its total is not
/// clearly above the noise.
/// </summary>
public static class QcAgreementFigures
{
    private const int Simulations = 400;

    /// <summary>The section with <see cref="QcAgreementSection.Alpha"/>, κ and the entity F1s filled from its counts.</summary>
    public static DatasetQcSection Derive(DatasetQcSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section.Agreement is not { } agreement)
        {
            return section;
        }

        double? Variance(string figure) => section.NoiseVariance?.GetValueOrDefault(figure);
        var derived = agreement with
        {
            Alpha = agreement.CoincidencePairs is { } pairs ? Alpha(pairs, Variance(DatasetQcFigures.Coincidences)) : null,
            CohenKappa = agreement.CohenTable is { } table ? Cohen(table, Variance(DatasetQcFigures.Cohen)) : null,
            FleissKappa = agreement.Fleiss is { } fleiss ? new QcFigure(FleissKappa(fleiss, agreement.Annotators.Count), null) : null,
            EntityPairs = agreement.EntityPairs?.Select(p => WithF1(p, Variance(DatasetQcFigures.EntityPairs))).ToList(),
        };
        return section with { Agreement = derived };
    }

    private static QcFigure? Alpha(IReadOnlyDictionary<string, long[][]> pairs, double? variance)
    {
        var sizes = pairs.Select(p => (Size: int.Parse(p.Key, System.Globalization.CultureInfo.InvariantCulture), Cells: p.Value)).ToList();
        double? AlphaOf(Func<long, double> cell)
        {
            var k = sizes.Count == 0 ? 0 : sizes[0].Cells.Length;
            var o = new double[k, k];
            foreach (var (size, cells) in sizes)
            {
                for (var c = 0; c < k; c++)
                {
                    for (var j = 0; j < k; j++)
                    {
                        o[c, j] += cell(cells[c][j]) / (size - 1);
                    }
                }
            }

            return CoincidenceMatrix.AlphaFromCoincidences(o) is { } alpha ? Math.Clamp(alpha, -1, 1) : null;
        }

        if (variance is not { } v)
        {
            return AlphaOf(c => c) is { } exact ? new QcFigure(exact, null) : new QcFigure(null, null);
        }

        var cellCount = sizes.Sum(s => s.Cells.Length * s.Cells.Length);
        var total = sizes.Sum(s => s.Cells.Sum(row => row.Sum()));
        if (!NoisySimulation.IsClearlyPositive(total, cellCount, v) || AlphaOf(c => c) is not { } estimate)
        {
            return new QcFigure(null, null);
        }

        var random = Seed("qc-alpha", sizes.SelectMany(s => s.Cells.SelectMany(r => r)), v);
        var draws = new double[Simulations];
        for (var i = 0; i < Simulations; i++)
        {
            draws[i] = AlphaOf(c => NoisySimulation.DrawCell(c, v, random)) ?? double.NaN;
        }

        return Figure(estimate, draws);
    }

    private static QcFigure Cohen(long[][] table, double? variance)
    {
        if (variance is not { } v)
        {
            var exact = new RaterPairTable(table.Length);
            for (var r = 0; r < table.Length; r++)
            {
                for (var c = 0; c < table.Length; c++)
                {
                    exact.Add(r, c, table[r][c]);
                }
            }

            var kappa = exact.CohenKappa();
            return new QcFigure(kappa?.Value, kappa?.Interval is { } ci ? Interval.From(ci) : null);
        }

        var cells = table.SelectMany(r => r).ToList();
        if (!NoisySimulation.IsClearlyPositive(cells.Sum(), cells.Count, v) || KappaOf(table, c => c) is not { } estimate)
        {
            return new QcFigure(null, null);
        }

        var random = Seed("qc-cohen", cells, v);
        var draws = new double[Simulations];
        for (var i = 0; i < Simulations; i++)
        {
            draws[i] = KappaOf(table, c => NoisySimulation.DrawCell(c, v, random)) ?? double.NaN;
        }

        return Figure(estimate, draws);
    }

    /// <summary>Cohen's κ, (p_o − p_e) / (1 − p_e), from signed (noisy) cells; null when n or 1 − p_e is not positive.</summary>
    private static double? KappaOf(long[][] table, Func<long, double> cell)
    {
        var k = table.Length;
        var rows = new double[k];
        var columns = new double[k];
        double n = 0, agreed = 0;
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < k; c++)
            {
                var value = cell(table[r][c]);
                (rows[r], columns[c], n) = (rows[r] + value, columns[c] + value, n + value);
                agreed += r == c ? value : 0;
            }
        }

        if (n <= 0)
        {
            return null;
        }

        var expected = rows.Zip(columns).Sum(p => p.First * p.Second) / (n * n);
        return 1 - expected <= 1e-15 ? null : Math.Clamp((agreed / n - expected) / (1 - expected), -1, 1);
    }

    /// <summary>statsmodels' <c>fleiss_kappa(method="fleiss")</c> from the released sums; null without documents or when only one label was given.</summary>
    private static double? FleissKappa(QcFleissCounts counts, int annotators)
    {
        if (counts.Documents <= 0)
        {
            return null;
        }

        double m = annotators, n = counts.Documents;
        var observed = (counts.SumOfSquaredCounts - n * m) / (n * m * (m - 1));
        var expected = counts.LabelTotals.Sum(total => Math.Pow(total / (n * m), 2));
        return 1 - expected <= 1e-15 ? null : (observed - expected) / (1 - expected);
    }

    private static QcEntityPairCounts WithF1(QcEntityPairCounts pair, double? variance)
    {
        if (variance is not { } v)
        {
            var denominator = pair.FirstEntities + pair.SecondEntities;
            return pair with
            {
                StrictF1 = new QcFigure(denominator > 0 ? 2.0 * pair.StrictMatches / denominator : null, null),
                PartialF1 = new QcFigure(denominator > 0 ? 2.0 * pair.PartialMatches / denominator : null, null),
            };
        }

        return pair with { StrictF1 = NoisyF1(pair, pair.StrictMatches, v), PartialF1 = NoisyF1(pair, pair.PartialMatches, v) };
    }

    private static QcFigure NoisyF1(QcEntityPairCounts pair, long matches, double v)
    {
        double F1(double first, double second, double matched)
        {
            // Signed sums, the ratio clamped: clipping each count first would bias the ratio.
            var denominator = first + second;
            return denominator > 0 ? Math.Clamp(2 * matched / denominator, 0, 1) : double.NaN;
        }

        if (!NoisySimulation.IsClearlyPositive(pair.FirstEntities + pair.SecondEntities, 2, v))
        {
            return new QcFigure(null, null);
        }

        var estimate = F1(pair.FirstEntities, pair.SecondEntities, matches);
        var random = Seed("qc-entity-f1:" + pair.Type, [pair.FirstEntities, pair.SecondEntities, matches], v);
        var draws = new double[Simulations];
        for (var i = 0; i < Simulations; i++)
        {
            draws[i] = F1(NoisySimulation.DrawCell(pair.FirstEntities, v, random), NoisySimulation.DrawCell(pair.SecondEntities, v, random), NoisySimulation.DrawCell(matches, v, random));
        }

        return Figure(estimate, draws);
    }

    private static QcFigure Figure(double estimate, double[] draws)
    {
        var interval = NoisySimulation.Interval(estimate, draws);
        return new QcFigure(estimate, Interval.From(interval));
    }

    private static SimulationRandom Seed(string purpose, IEnumerable<long> cells, double variance)
    {
        var seed = new NoisySimulation.SeedBuilder(purpose).Add(variance);
        foreach (var cell in cells)
        {
            seed.Add(cell);
        }

        return seed.Build();
    }
}
