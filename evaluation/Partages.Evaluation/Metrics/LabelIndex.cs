namespace Partages.Evaluation.Metrics;

/// <summary>The per-label statistics' lookup from a label's name to its position, shared so both refuse duplicates alike.</summary>
internal static class LabelIndex
{
    /// <exception cref="ArgumentException">Two labels are the same.</exception>
    public static Dictionary<string, int> Build(IReadOnlyList<string> labels)
    {
        var index = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        if (index.Count != labels.Count)
        {
            throw new ArgumentException("Labels must be distinct.", nameof(labels));
        }

        return index;
    }
}
