namespace Partages.Evaluation.Privacy;

/// <summary>
/// Continuous draws for the interval simulations, built on <see cref="IRandomBits"/> with published algorithms whose
/// every step is specified here, so a seed gives the same draws wherever the code runs (the same runtime's Math.Log
/// and Math.Sqrt assumed). Never used for privacy noise.
/// </summary>
internal sealed class SimulationRandom(IRandomBits bits)
{
    private double _spareNormal;
    private bool _hasSpare;

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (bits.NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal by Marsaglia's polar method (pairs; the second kept for the next call).</summary>
    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }

        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        }
        while (s >= 1 || s == 0);

        var factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareNormal = v * factor;
        _hasSpare = true;
        return u * factor;
    }

    /// <summary>
    /// Gamma(shape, 1). Shape ½ — every empty cell's posterior — is exactly Z²/2 (a χ² with one degree of freedom,
    /// halved); shape ≥ 1 by Marsaglia and Tsang, "A simple method for generating gamma variables" (ACM TOMS 2000).
    /// </summary>
    public double NextGamma(double shape)
    {
        if (shape == 0.5)
        {
            var z = NextNormal();
            return 0.5 * z * z;
        }

        if (shape < 1)
        {
            // Not reached by the posteriors here (shapes are m + ½); the standard boost keeps the method total.
            return NextGamma(shape + 1) * Math.Pow(NextDouble(), 1 / shape);
        }

        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextNormal();
                v = 1 + c * x;
            }
            while (v <= 0);

            v = v * v * v;
            var u = NextDouble();
            var x2 = x * x;
            if (u < 1 - 0.0331 * x2 * x2 || Math.Log(u) < 0.5 * x2 + d * (1 - v + Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
