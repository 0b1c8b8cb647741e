namespace Partages.Evaluation.Metrics;

/// <summary>
/// The sufficient statistic of a single-label classification: a confusion matrix (rows gold, columns
/// predicted). Every released metric derives from it, so pooling sites is adding matrices, exactly.
/// </summary>
public sealed class ClassificationCounts
{
    private readonly long[][] _matrix;
    private readonly Dictionary<string, int> _index;

    public ClassificationCounts(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Labels = [.. labels];
        _index = LabelIndex.Build(Labels);
        _matrix = [.. Labels.Select(_ => new long[Labels.Count])];
    }

    public IReadOnlyList<string> Labels { get; }

    public long DocumentCount { get; private set; }

    /// <summary>Row = gold label, column = predicted label.</summary>
    public long this[int gold, int predicted] => _matrix[gold][predicted];

    public int IndexOf(string label) => _index.TryGetValue(label, out var i) ? i : -1;

    public void Add(int gold, int predicted, long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _matrix[gold][predicted] += count;
        DocumentCount += count;
    }

    public long[][] ToMatrix() => [.. _matrix.Select(row => row.ToArray())];

    public static ClassificationCounts FromMatrix(IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<long>> matrix)
    {
        var counts = new ClassificationCounts(labels);
        if (matrix.Count != labels.Count || matrix.Any(row => row.Count != labels.Count))
        {
            throw new InvalidDataException($"The confusion matrix must be {labels.Count}x{labels.Count}, one row and one column per label.");
        }

        for (var g = 0; g < labels.Count; g++)
        {
            for (var p = 0; p < labels.Count; p++)
            {
                if (matrix[g][p] < 0)
                {
                    throw new InvalidDataException($"The confusion matrix holds a negative count at row {g}, column {p}.");
                }

                counts.Add(g, p, matrix[g][p]);
            }
        }

        return counts;
    }

    /// <summary>Adds several sites' matrices. Labels are matched by name, so sites may list them in any order.</summary>
    public static ClassificationCounts Pool(IReadOnlyList<string> labels, IEnumerable<ClassificationCounts> sites)
    {
        var pooled = new ClassificationCounts(labels);
        foreach (var site in sites)
        {
            var map = site.Labels.Select(l => pooled.IndexOf(l)).ToArray();
            if (site.Labels.Count != labels.Count || map.Any(i => i < 0))
            {
                throw new InvalidDataException(
                    $"A site reported labels [{string.Join(", ", site.Labels)}], which differ from the evaluation's [{string.Join(", ", labels)}].");
            }

            for (var g = 0; g < site.Labels.Count; g++)
            {
                for (var p = 0; p < site.Labels.Count; p++)
                {
                    pooled.Add(map[g], map[p], site[g, p]);
                }
            }
        }

        return pooled;
    }
}
