namespace Partages.Evaluation.Quality;

/// <summary>
/// Jensen–Shannon divergence (base 2, so in [0, 1]) between two histograms on the same bins: how far one site's
/// distribution of lengths or labels is from the pool's. Noisy released counts can be negative, so each
/// histogram is first projected onto the simplex (clipped at 0, renormalised); that is post-processing, so it
/// keeps whatever privacy guarantee the counts carry.
/// </summary>
public static class JensenShannon
{
    /// <summary>The divergence, or null ("not estimable") when either histogram has no positive mass left.</summary>
    public static double? Divergence(IReadOnlyList<double> first, IReadOnlyList<double> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count)
        {
            throw new ArgumentException($"Histograms on different bins ({first.Count} and {second.Count}) cannot be compared.", nameof(second));
        }

        var p = ProjectOntoSimplex(first);
        var q = ProjectOntoSimplex(second);
        if (p is null || q is null)
        {
            return null;
        }

        var divergence = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            var mixture = (p[i] + q[i]) / 2;
            divergence += Term(p[i], mixture) / 2 + Term(q[i], mixture) / 2;
        }

        return Math.Clamp(divergence, 0.0, 1.0);
    }

    /// <summary>Counts clipped at 0 and scaled to sum to 1; null when nothing positive is left.</summary>
    public static double[]? ProjectOntoSimplex(IReadOnlyList<double> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var clipped = counts.Select(count => double.IsFinite(count) && count > 0 ? count : 0).ToArray();
        var total = clipped.Sum();
        return total > 0 ? clipped.Select(count => count / total).ToArray() : null;
    }

    private static double Term(double probability, double mixture) =>
        probability > 0 ? probability * Math.Log2(probability / mixture) : 0;
}
