namespace Partages.Evaluation.Privacy;

/// <summary>Ranking figures from score histograms released under DP.</summary>
public static class NoisyRanking
{
    /// <summary>
    /// AUROC from noisy histograms of positives' and negatives' scores over the same bins in increasing score order
    /// (two reports in one bin are a tie, counted ½): P(score of a positive &gt; score of a negative) + ½ P(tie).
    /// Point estimate: the Mann–Whitney count of won pairs from the noisy bins, summed before clipping at 0, over the
    /// product of the noisy totals, clamped to [0, 1] (clipping bin by bin would add 0.4 σ to every empty bin and drag
    /// the AUROC towards ½: see <see cref="NoisyClassification"/>). Not estimable when the noisy positive or negative
    /// total is not clearly above 0 (≤ 0 or under 2 standard deviations of its noise, B bins × σ²). The 95 % interval
    /// is simulated as in <see cref="NoisyClassification"/> (each bin's expected count drawn with its sampling error
    /// and its noise, the same formula applied), seeded from a hash of the inputs, widened if needed to contain the
    /// estimate.
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

        var positives = noisyPositivesByBin.Select(y => (double)y).ToArray();
        var negatives = noisyNegativesByBin.Select(y => (double)y).ToArray();
        var estimate = AurocOf(positives, negatives);

        var seed = new NoisySimulation.SeedBuilder("Partages.NoisyRanking.Auroc.v1").Add(bins).Add(binVariance).Add(simulations);
        foreach (var y in noisyPositivesByBin.Concat(noisyNegativesByBin))
        {
            seed.Add(y);
        }

        var random = seed.Build();
        var draws = new double[simulations];
        for (var s = 0; s < simulations; s++)
        {
            for (var b = 0; b < bins; b++)
            {
                positives[b] = NoisySimulation.DrawCell(noisyPositivesByBin[b], binVariance, random);
                negatives[b] = NoisySimulation.DrawCell(noisyNegativesByBin[b], binVariance, random);
            }

            draws[s] = AurocOf(positives, negatives);
        }

        return NoisySimulation.Interval(estimate, draws);
    }

    /// <summary>Σ_b P_b·(N below b + ½ N_b) / (ΣP · ΣN), the Mann–Whitney form on a histogram, for signed counts; NaN if a total is not positive.</summary>
    internal static double AurocOf(double[] positives, double[] negatives)
    {
        double negativesBelow = 0, wins = 0, totalPositives = 0;
        for (var b = 0; b < positives.Length; b++)
        {
            wins += positives[b] * (negativesBelow + 0.5 * negatives[b]);
            negativesBelow += negatives[b];
            totalPositives += positives[b];
        }

        return totalPositives > 0 && negativesBelow > 0 ? NoisySimulation.Proportion(wins, totalPositives * negativesBelow) : double.NaN;
    }
}
