namespace Partages.Evaluation.Metrics.Agreement;

/// <summary>
/// McNemar's test for paired outcomes (a document right on the clean report and wrong on its perturbed twin, or
/// the reverse). Only the two discordant counts matter, and they pool across sites by addition, so the pooled
/// test is the test on the union. Results match statsmodels' <c>mcnemar(table, exact=…, correction=True)</c>.
/// </summary>
public static class McNemar
{
    /// <summary>
    /// Exact two-sided binomial test of b against b + c at one half: p = min(1, 2·P[X ≤ min(b, c)]). With no
    /// discordant pair there is no evidence of a change, p = 1 (statsmodels gives the same).
    /// </summary>
    public static double ExactPValue(long onlyFirstRight, long onlySecondRight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(onlyFirstRight);
        ArgumentOutOfRangeException.ThrowIfNegative(onlySecondRight);
        var n = onlyFirstRight + onlySecondRight;
        var smaller = Math.Min(onlyFirstRight, onlySecondRight);
        return Math.Min(1.0, 2 * BinomialHalfCdf(smaller, n));
    }

    /// <summary>
    /// The chi-square statistic with Edwards' continuity correction, (|b − c| − 1)² / (b + c), and its p-value
    /// with one degree of freedom. Null ("not estimable") with no discordant pair (0 / 0). Use the exact test
    /// when b + c is small (statsmodels' default); this one is for large pooled counts.
    /// </summary>
    public static (double Statistic, double PValue)? ChiSquare(long onlyFirstRight, long onlySecondRight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(onlyFirstRight);
        ArgumentOutOfRangeException.ThrowIfNegative(onlySecondRight);
        var n = onlyFirstRight + onlySecondRight;
        if (n == 0)
        {
            return null;
        }

        var difference = Math.Abs(onlyFirstRight - onlySecondRight) - 1.0;
        var statistic = difference * difference / n;
        return (statistic, SpecialFunctions.Erfc(Math.Sqrt(statistic / 2)));
    }

    /// <summary>
    /// P[X ≤ k] for X ~ Binomial(n, ½) with k ≤ n / 2, where the terms rise towards k: the largest term's log, then
    /// the sum downwards from it by the ratio C(n, i − 1) / C(n, i) = i / (n − i + 1), stopping once terms no longer
    /// count. Constant memory, and n in the millions neither overflows nor underflows term by term.
    /// </summary>
    private static double BinomialHalfCdf(long k, long n)
    {
        if (k >= n)
        {
            return 1.0;
        }

        var logLargest = n * -Math.Log(2);
        for (long i = 1; i <= k; i++)
        {
            logLargest += Math.Log(n - i + 1) - Math.Log(i);
        }

        var sum = 1.0;
        var term = 1.0;
        for (var i = k; i > 0; i--)
        {
            term *= i / (double)(n - i + 1);
            sum += term;
            if (term < 1e-17 * sum)
            {
                break;
            }
        }

        return Math.Min(1.0, Math.Exp(logLargest) * sum);
    }
}
