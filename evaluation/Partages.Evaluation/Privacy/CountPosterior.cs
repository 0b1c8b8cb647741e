namespace Partages.Evaluation.Privacy;

/// <summary>
/// The posterior of one released cell's underlying rate, from which the interval simulations draw.
/// <para>
/// Model: the true count M of a cell is Poisson(λ) (the reports are a sample of the hospital's flow, so counts vary
/// from sample to sample), λ has Jeffreys' prior λ^(−½), and the released value is Y = M + Z with Z the
/// mechanism's noise, discrete Gaussian with parameter σ². Integrating λ out, P(M = m | Y) ∝ Γ(m+½)/m! ·
/// exp(−(Y−m)²/(2σ²)) for m ≥ 0 — the second factor is the discrete Gaussian's own pmf, so the noise enters with
/// its exact distribution, not a normal approximation (for pooled counts, a sum of discrete Gaussians, it is
/// treated as one discrete Gaussian of the summed variance: CKS 2020 Section 4 show the difference is negligible
/// once σ ≳ 1). Given M, λ | M ~ Gamma(M + ½, 1). Independent Gamma(M_i + ½) draws, normalised, are a
/// Dirichlet(M + ½) over the cells — the Bayesian bootstrap of the cell proportions with Jeffreys' prior — so any
/// ratio of sums of cells computed from the draws is a draw from that ratio's posterior, with both sampling error
/// and DP noise in it.
/// </para>
/// The table is over m within 12 σ of max(Y, 0) (weights beyond are below e^−72 relative).
/// </summary>
internal sealed class CountPosterior
{
    private const double WindowInStandardDeviations = 12;
    private readonly long _first;
    private readonly double[] _cumulative;

    public CountPosterior(long noisyCount, double variance)
    {
        if (variance == 0)
        {
            // Released exactly (DP off): the count is known, only sampling error remains.
            _first = Math.Max(noisyCount, 0);
            _cumulative = [1.0];
            return;
        }

        var sigma = Math.Sqrt(variance);
        var centre = Math.Max(noisyCount, 0);
        _first = (long)Math.Max(0, Math.Floor(centre - WindowInStandardDeviations * sigma));
        var last = (long)Math.Ceiling(centre + WindowInStandardDeviations * sigma);
        var logWeights = new double[last - _first + 1];
        // log w(m+1) − log w(m) = ln((m+½)/(m+1)) − (2(m−Y)+1)/(2σ²): a recurrence, so no log-gamma is needed and the
        // constant dropped at the window's start cancels when normalising.
        for (var i = 1; i < logWeights.Length; i++)
        {
            var m = (double)(_first + i - 1);
            logWeights[i] = logWeights[i - 1] + Math.Log((m + 0.5) / (m + 1)) - (2 * (m - noisyCount) + 1) / (2 * variance);
        }

        var max = logWeights.Max();
        _cumulative = new double[logWeights.Length];
        double total = 0;
        for (var i = 0; i < logWeights.Length; i++)
        {
            total += Math.Exp(logWeights[i] - max);
            _cumulative[i] = total;
        }
    }

    /// <summary>The posterior mean of M (for tests and diagnostics).</summary>
    public double MeanCount()
    {
        double previous = 0, sum = 0;
        for (var i = 0; i < _cumulative.Length; i++)
        {
            sum += (_first + i) * (_cumulative[i] - previous);
            previous = _cumulative[i];
        }

        return sum / _cumulative[^1];
    }

    /// <summary>One draw of the rate λ: M from the table, then Gamma(M + ½, 1).</summary>
    public double DrawRate(SimulationRandom random)
    {
        var u = random.NextDouble() * _cumulative[^1];
        var index = Array.BinarySearch(_cumulative, u);
        // BinarySearch gives the complement of the first element larger than u when u is absent.
        index = index >= 0 ? index + 1 : ~index;
        index = Math.Min(index, _cumulative.Length - 1);
        return random.NextGamma(_first + index + 0.5);
    }
}
