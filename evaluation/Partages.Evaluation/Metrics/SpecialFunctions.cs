namespace Partages.Evaluation.Metrics;

/// <summary>The special functions the statistical tests need (McNemar's chi-square p-value), to double precision.</summary>
public static class SpecialFunctions
{
    /// <summary>
    /// The complementary error function. Below 2 by erf's Maclaurin series (alternating, but its terms stay
    /// below 1.4 there, so little is cancelled); from 2 by the continued fraction of erfc (Lentz's method), which
    /// converges fast there and keeps relative precision far into the tail where 1 − erf would lose it all.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        return x < 2 ? 1 - ErfSeries(x) : ErfcContinuedFraction(x);
    }

    private static double ErfSeries(double x)
    {
        // erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n + 1))
        var term = x;
        var sum = x;
        var x2 = x * x;
        for (var n = 1; n < 200; n++)
        {
            term *= -x2 / n;
            var add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static double ErfcContinuedFraction(double x)
    {
        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), modified Lentz.
        const double tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var n = 1; n < 500; n++)
        {
            var a = n / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
