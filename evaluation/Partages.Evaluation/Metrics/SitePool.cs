namespace Partages.Evaluation.Metrics;

/// <summary>The guard every index-by-index pool shares: the sites must count over the same names in the same order.</summary>
internal static class SitePool
{
    /// <summary>The sites, read once, each checked against <paramref name="names"/> before any is added.</summary>
    /// <exception cref="ArgumentException">A site's names differ (<paramref name="what"/> names them in the message).</exception>
    public static List<T> Matching<T>(IEnumerable<T> sites, IReadOnlyList<string> names, Func<T, IReadOnlyList<string>> namesOf, string what)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var list = sites.ToList();
        foreach (var site in list)
        {
            var siteNames = namesOf(site);
            if (!siteNames.SequenceEqual(names, StringComparer.Ordinal))
            {
                throw new ArgumentException($"A site's {what} [{string.Join(", ", siteNames)}] differ from [{string.Join(", ", names)}].", nameof(sites));
            }
        }

        return list;
    }
}
