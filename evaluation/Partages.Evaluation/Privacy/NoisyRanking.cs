namespace Partages.Evaluation.Privacy;

/// <summary>Ranking figures from score histograms released under DP.</summary>
public static class NoisyRanking
{
    /// <summary>
    /// AUROC from noisy histograms of positives' and negatives' scores over the same bins in increasing score order
    /// (two reports in one bin are a tie, counted ½): P(score of a positive &gt; score of a negative) + ½ P(tie).
    /// Point estimate from the counts clipped at 0. Not estimable when the noisy positive or negative total is not
    /// clearly above 0 (≤ 0 or under 2 standard deviations of its noise, B bins × σ²). The 95 % interval is
    /// simulated as in <see cref="NoisyClassification"/>: each bin's rate drawn from its posterior under the exact
    /// noise and Poisson sampling with Jeffreys' prior, AUROC computed from the rates; seeded from a hash of the
    /// inputs, widened if needed to contain the estimate.
    /// </summary>
    public static NoisyInterval Auroc(long[] noisyPositivesByBin, long[] noisyNegativesByBin, double binVariance, int simulations = 2000)
    {
        ArgumentNullException.ThrowIfNull(noisyPositivesByBin);
        ArgumentNullException.ThrowIfNull(noisyNegativesByBin);
        NoisySimulation.Validate(binVariance, simulations);
        var bins = noisyPositivesByBin.Length;
        if (bins == 0 || noisyNegativesByBin.Length != bins)
        {
            throw new ArgumentException("Positives and negatives need the same, non-empty list of bins.", nameof(noisyNegativesByBin));
        }

        if (!NoisySimulation.IsClearlyPositive(noisyPositivesByBin.Sum(), bins, binVariance)
            || !NoisySimulation.IsClearlyPositive(noisyNegativesByBin.Sum(), bins, binVariance))
        {
            return NoisyInterval.NotEstimable;
        }

        var positives = noisyPositivesByBin.Select(y => (double)Math.Max(0, y)).ToArray();
        var negatives = noisyNegativesByBin.Select(y => (double)Math.Max(0, y)).ToArray();
        var estimate = AurocOf(positives, negatives);

        var seed = new NoisySimulation.SeedBuilder("Partages.NoisyRanking.Auroc.v1").Add(bins).Add(binVariance).Add(simulations);
        foreach (var y in noisyPositivesByBin.Concat(noisyNegativesByBin))
        {
            seed.Add(y);
        }

        var random = seed.Build();
        var positivePosteriors = noisyPositivesByBin.Select(y => new CountPosterior(y, binVariance)).ToArray();
        var negativePosteriors = noisyNegativesByBin.Select(y => new CountPosterior(y, binVariance)).ToArray();
        var draws = new double[simulations];
        for (var s = 0; s < simulations; s++)
        {
            for (var b = 0; b < bins; b++)
            {
                positives[b] = positivePosteriors[b].DrawRate(random);
                negatives[b] = negativePosteriors[b].DrawRate(random);
            }

            draws[s] = AurocOf(positives, negatives);
        }

        return NoisySimulation.Interval(estimate, draws);
    }

    /// <summary>Σ_b P_b·(N below b + ½ N_b) / (ΣP · ΣN), the Mann–Whitney form on a histogram.</summary>
    internal static double AurocOf(double[] positives, double[] negatives)
    {
        double negativesBelow = 0, wins = 0, totalPositives = 0;
        for (var b = 0; b < positives.Length; b++)
        {
            wins += positives[b] * (negativesBelow + 0.5 * negatives[b]);
            negativesBelow += negatives[b];
            totalPositives += positives[b];
        }

        var pairs = totalPositives * negativesBelow;
        return pairs > 0 ? wins / pairs : 0.5;
    }
}
