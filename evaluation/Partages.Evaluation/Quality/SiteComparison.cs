using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Evaluation.Quality;

/// <summary>
/// How far each site's released QC distributions are from the pool's: Jensen–Shannon divergence (base 2, in [0, 1])
/// between the site's histogram and the sum of all sites', each projected onto the simplex first (noisy counts can be
/// negative; clipping and renormalising is post-processing). Its 95 % interval is by simulation from the mechanism:
/// every site's every cell redrawn with Poisson sampling and that site's release noise
/// (<see cref="NoisySimulation.DrawCell"/>), the pool re-summed from the drawn sites, the divergence recomputed
/// (ERRATA 17). Deterministic: the same released counts give the same interval.
/// </summary>
public static class SiteComparison
{
    private const int Simulations = 400;

    /// <summary>The compared distributions, in the order the CLI and the dashboard show them.</summary>
    public static IReadOnlyList<string> Figures { get; } = [DatasetQcFigures.CharacterLengths, DatasetQcFigures.WordLengths, DatasetQcFigures.Categories];

    /// <summary>One row per site and figure.</summary>
    /// <exception cref="InvalidDataException">The sites' histograms are not on the same bins.</exception>
    public static IReadOnlyList<SiteDivergence> Compare(IReadOnlyList<KeyValuePair<string, DatasetQcSection>> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var rows = new List<SiteDivergence>();
        foreach (var figure in Figures)
        {
            var counts = sites.Select(s => Counts(s.Value, figure)).ToList();
            if (counts.Select(c => c.Length).Distinct().Count() > 1)
            {
                throw new InvalidDataException($"the sites' {figure} are not on the same bins");
            }

            var variances = sites.Select(s => s.Value.NoiseVariance?.GetValueOrDefault(figure) ?? 0).ToList();
            var pool = Sum(counts.Select(c => c.Select(x => (double)x).ToArray()).ToList());
            for (var i = 0; i < sites.Count; i++)
            {
                var estimate = JensenShannon.Divergence([.. counts[i].Select(x => (double)x)], pool);
                rows.Add(new SiteDivergence(sites[i].Key, figure, estimate is { } value ? new QcFigure(value, Interval(i, value, counts, variances, figure, sites[i].Key)) : new QcFigure(null, null)));
            }
        }

        return rows;
    }

    private static Interval? Interval(int site, double estimate, List<long[]> counts, List<double> variances, string figure, string name)
    {
        var seed = new NoisySimulation.SeedBuilder("qc-divergence:" + figure + ":" + name);
        foreach (var (cells, variance) in counts.Zip(variances))
        {
            seed.Add(variance);
            foreach (var cell in cells)
            {
                seed.Add(cell);
            }
        }

        var random = seed.Build();
        var draws = new double[Simulations];
        for (var d = 0; d < Simulations; d++)
        {
            var drawn = counts.Select((cells, s) => cells.Select(cell => NoisySimulation.DrawCell(cell, variances[s], random)).ToArray()).ToList();
            draws[d] = JensenShannon.Divergence(drawn[site], Sum(drawn)) ?? double.NaN;
        }

        return Results.Interval.From(NoisySimulation.Interval(estimate, draws));
    }

    private static long[] Counts(DatasetQcSection section, string figure) => figure switch
    {
        DatasetQcFigures.CharacterLengths => section.CharacterLengths,
        DatasetQcFigures.WordLengths => section.WordLengths,
        _ => section.CategoryCounts,
    };

    private static double[] Sum(List<double[]> arrays)
    {
        var sum = new double[arrays.Count == 0 ? 0 : arrays[0].Length];
        foreach (var array in arrays)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += array[i];
            }
        }

        return sum;
    }
}

/// <summary>One site's divergence from the pool on one released distribution; null value: not estimable (nothing positive left).</summary>
public sealed record SiteDivergence(string Site, string Figure, QcFigure JensenShannon);
