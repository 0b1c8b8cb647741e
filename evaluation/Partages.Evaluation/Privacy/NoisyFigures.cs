namespace Partages.Evaluation.Privacy;

/// <summary>
/// The simulation every estimator over noisy counts shares (<see cref="NoisyRates"/>, <see cref="NoisyNerSchemes"/>,
/// <see cref="NoisyProportion"/>), written once so each estimator only says which cells it reads, how its figures
/// are computed and which of them the noisy denominators support. Same method as <see cref="NoisyClassification"/>:
/// point estimates from the noisy cells as they are (sums before clipping), 95 % intervals from
/// <see cref="NoisySimulation.DrawCell"/> draws of every cell, a seed hashed from every input.
/// </summary>
internal static class NoisyFigures
{
    /// <summary>Computes every figure from signed cell values (noisy counts or draws); NaN where a figure is undefined.</summary>
    public delegate void Compute(ReadOnlySpan<double> cells, Span<double> figures);

    /// <param name="purpose">Names the estimator and its version in the seed: two estimators never share draws.</param>
    /// <param name="names">Labels or types, in the seed so the same counts under other names draw otherwise.</param>
    /// <param name="noisyCells">Every released count the figures read, each with noise of variance <paramref name="cellVariance"/>.</param>
    /// <param name="estimable">Per figure: whether its noisy denominator is clearly above 0 (else not estimable).</param>
    /// <param name="seedSize">The size hashed into the seed first; the number of cells unless an estimator's released intervals were seeded otherwise.</param>
    public static NoisyInterval[] Estimate(
        string purpose,
        IEnumerable<string> names,
        long[] noisyCells,
        double cellVariance,
        bool[] estimable,
        Compute compute,
        int simulations,
        int? seedSize = null)
    {
        NoisySimulation.Validate(cellVariance, simulations);
        var figureCount = estimable.Length;
        var cells = noisyCells.Select(y => (double)y).ToArray();
        var point = new double[figureCount];
        compute(cells, point);

        var seed = new NoisySimulation.SeedBuilder(purpose).Add(seedSize ?? noisyCells.Length).Add(cellVariance).Add(simulations);
        foreach (var name in names)
        {
            seed.Add(name);
        }

        foreach (var cell in noisyCells)
        {
            seed.Add(cell);
        }

        var random = seed.Build();
        var draws = new double[figureCount][];
        for (var f = 0; f < figureCount; f++)
        {
            draws[f] = new double[simulations];
        }

        var figures = new double[figureCount];
        for (var s = 0; s < simulations; s++)
        {
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = NoisySimulation.DrawCell(noisyCells[i], cellVariance, random);
            }

            compute(cells, figures);
            for (var f = 0; f < figureCount; f++)
            {
                draws[f][s] = figures[f];
            }
        }

        var result = new NoisyInterval[figureCount];
        for (var f = 0; f < figureCount; f++)
        {
            // A figure whose point estimate is undefined (NaN) cannot be printed, whatever the rule said.
            result[f] = estimable[f] && !double.IsNaN(point[f]) ? NoisySimulation.Interval(point[f], draws[f]) : NoisyInterval.NotEstimable;
        }

        return result;
    }

    /// <summary>The harmonic mean of two proportions: NaN if either is, 0 when both are 0 (a real 0: no credit at all).</summary>
    public static double HarmonicMean(double precision, double recall) =>
        double.IsNaN(precision) || double.IsNaN(recall) ? double.NaN
        : precision + recall == 0 ? 0
        : 2 * precision * recall / (precision + recall);
}
