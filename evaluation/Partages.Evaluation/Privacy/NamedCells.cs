namespace Partages.Evaluation.Privacy;

/// <summary>
/// Count cells released per metric name (<c>metric → cells</c>), the shape the entity recognition sections noise
/// independently. Pooling them is cell-by-cell addition and noising them is cell by cell, whatever the section.
/// </summary>
public static class NamedCells
{
    /// <summary>The sites' cells added cell by cell; every site holds the same metrics with the same cell counts.</summary>
    public static Dictionary<string, long[]> Sum(IReadOnlyList<IReadOnlyDictionary<string, long[]>> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        return sites[0].ToDictionary(
            m => m.Key,
            m => Enumerable.Range(0, m.Value.Length).Select(i => sites.Sum(s => s[m.Key][i])).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary>Each cell passed through <paramref name="noisy"/>, which is told the metric the cell belongs to.</summary>
    public static Dictionary<string, long[]> Noised(IReadOnlyDictionary<string, long[]> cells, Func<string, long, long> noisy)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(noisy);
        return cells.ToDictionary(m => m.Key, m => m.Value.Select(c => noisy(m.Key, c)).ToArray(), StringComparer.Ordinal);
    }
}
