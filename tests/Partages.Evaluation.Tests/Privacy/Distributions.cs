namespace Partages.Evaluation.Tests.Privacy;

/// <summary>True probability mass functions and a chi-square goodness-of-fit test for the sampler tests.</summary>
internal static class Distributions
{
    /// <summary>N_Z(0, σ²) over |x| ≤ a bound past which the mass is below 1e-300: exp(−x²/2σ²), normalised.</summary>
    public static Dictionary<long, double> DiscreteGaussian(double sigmaSquared) =>
        Normalise(x => -(double)x * x / (2 * sigmaSquared), (long)Math.Ceiling(Math.Sqrt(2 * sigmaSquared * 700)) + 1);

    /// <summary>Lap_Z(scale): exp(−|x|/scale), normalised.</summary>
    public static Dictionary<long, double> DiscreteLaplace(double scale) =>
        Normalise(x => -Math.Abs((double)x) / scale, (long)Math.Ceiling(700 * scale) + 1);

    public static double Variance(Dictionary<long, double> pmf) => pmf.Sum(p => (double)p.Key * p.Key * p.Value);

    public static double FourthMoment(Dictionary<long, double> pmf) => pmf.Sum(p => Math.Pow(p.Key, 4) * p.Value);

    /// <summary>The smallest b with P(|X| ≥ b) below <paramref name="probability"/>.</summary>
    public static long TailBound(Dictionary<long, double> pmf, double probability)
    {
        var b = pmf.Keys.Max();
        double tail = 0;
        while (b > 0 && tail + pmf[b] + pmf[-b] < probability)
        {
            tail += pmf[b] + pmf[-b];
            b--;
        }

        return b + 1;
    }

    /// <summary>
    /// Pearson's χ² of observed values against a pmf, over the support in increasing order with neighbouring values
    /// pooled until each cell expects at least 5; returns the statistic, its degrees of freedom and the 0.1 % critical
    /// value (Wilson–Hilferty, accurate to a fraction of a percent at these df).
    /// </summary>
    public static (double Statistic, int DegreesOfFreedom, double Critical) ChiSquare(IReadOnlyList<long> samples, Dictionary<long, double> pmf)
    {
        var n = samples.Count;
        var observed = samples.GroupBy(x => x).ToDictionary(g => g.Key, g => (double)g.Count());
        var cells = new List<(double Observed, double Expected)>();
        double o = 0, e = 0;
        foreach (var x in pmf.Keys.Order())
        {
            o += observed.GetValueOrDefault(x);
            e += n * pmf[x];
            if (e >= 5)
            {
                cells.Add((o, e));
                o = e = 0;
            }
        }

        // The remainder of the upper tail joins the last cell.
        cells[^1] = (cells[^1].Observed + o, cells[^1].Expected + e);
        observed.Keys.Where(x => !pmf.ContainsKey(x)).Should().BeEmpty("no value may fall outside the support considered");
        var statistic = cells.Sum(c => (c.Observed - c.Expected) * (c.Observed - c.Expected) / c.Expected);
        var df = cells.Count - 1;
        const double z999 = 3.090232306167813;
        var critical = df * Math.Pow(1 - 2.0 / (9 * df) + z999 * Math.Sqrt(2.0 / (9 * df)), 3);
        return (statistic, df, critical);
    }

    private static Dictionary<long, double> Normalise(Func<long, double> logWeight, long bound)
    {
        var weights = new Dictionary<long, double>();
        for (var x = -bound; x <= bound; x++)
        {
            weights[x] = Math.Exp(logWeight(x));
        }

        var total = weights.Values.Sum();
        return weights.ToDictionary(p => p.Key, p => p.Value / total);
    }
}
