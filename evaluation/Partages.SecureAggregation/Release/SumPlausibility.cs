namespace Partages.SecureAggregation.Release;

/// <summary>
/// A run of coordinates whose noiseless total is known from what the nodes announced: e.g. the cells of a confusion
/// matrix add up to the number of reports evaluated, summed over the contributing sites' announced dataset sizes.
/// </summary>
/// <param name="Name">What the group is, for the error message (e.g. "confusion matrix").</param>
/// <param name="Start">First coordinate of the group in the summed vector.</param>
/// <param name="Length">Number of coordinates.</param>
/// <param name="ExpectedTotal">The sum of the contributors' announced sizes for this group.</param>
public sealed record CountGroup(string Name, int Start, int Length, long ExpectedTotal);

/// <summary>
/// The only check possible on a masked release: the coordinator cannot see one site's counts, so it checks the
/// unmasked cohort sum against the announced dataset sizes, allowing for the noise. It catches gross forgeries and
/// overflow; it cannot catch one node shifting counts between cells or by less than the noise (no range proofs).
/// </summary>
public static class SumPlausibility
{
    /// <summary>
    /// Every problem found, empty when the sum is plausible. <paramref name="noiseVariancePerCoordinate"/> is the
    /// variance the survivors' noise adds to each coordinate (2·μ_node per survivor for Skellam); the tolerance is
    /// <paramref name="standardDeviations"/> standard deviations, so an honest sum fails only with negligible probability.
    /// </summary>
    public static IReadOnlyList<string> Check(
        ReadOnlySpan<long> sum, IReadOnlyList<CountGroup> groups, double noiseVariancePerCoordinate, double standardDeviations = 6.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(noiseVariancePerCoordinate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(standardDeviations);
        var problems = new List<string>();
        var perCoordinate = standardDeviations * Math.Sqrt(noiseVariancePerCoordinate);
        foreach (var group in groups)
        {
            if (group.Start < 0 || group.Length < 1 || group.Start + group.Length > sum.Length)
            {
                problems.Add($"Group '{group.Name}' ({group.Start}..{group.Start + group.Length - 1}) lies outside the {sum.Length}-count sum.");
                continue;
            }
            long total = 0;
            for (var i = group.Start; i < group.Start + group.Length; i++)
            {
                total = checked(total + sum[i]);
                if (sum[i] < -perCoordinate)
                {
                    problems.Add($"Count {i} of group '{group.Name}' is {sum[i]}, below what noise explains (−{perCoordinate:F1}).");
                }
            }
            var tolerance = standardDeviations * Math.Sqrt(noiseVariancePerCoordinate * group.Length);
            if (Math.Abs(total - group.ExpectedTotal) > tolerance)
            {
                problems.Add($"Group '{group.Name}' totals {total}, the announced dataset sizes give {group.ExpectedTotal} (noise explains ±{tolerance:F1}).");
            }
        }
        return problems;
    }
}
