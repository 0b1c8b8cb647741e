namespace Partages.Evaluation.Results;

/// <summary>
/// Reading counts back from a released document without refusing negative ones: under differential privacy a small
/// count's noise can make it negative, and such counts are released, pooled and estimated from as they are.
/// </summary>
public static class ReleasedCounts
{
    /// <summary>
    /// The released <c>confusion_matrix</c> (single-label: the confusion matrix; multi-label: the co-occurrence;
    /// entity recognition: the boundary matrix) in <paramref name="labels"/>' order, signs kept.
    /// </summary>
    /// <exception cref="InvalidDataException">It is missing, not square over these labels, or names other labels.</exception>
    public static long[][] SignedMatrix(ResultDocument document, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(labels);
        if (document.ConfusionMatrix is not { Labels: { } released, Matrix: { } matrix }
            || released.Count != labels.Count || matrix.Length != labels.Count || matrix.Any(row => row is null || row.Length != labels.Count))
        {
            throw new InvalidDataException($"confusion_matrix must be {labels.Count}×{labels.Count}, one row and one column per label");
        }

        var order = released.ToList();
        var index = labels.Select(l => order.IndexOf(l)).ToArray();
        if (index.Any(i => i < 0) || released.Distinct(StringComparer.Ordinal).Count() != released.Count)
        {
            throw new InvalidDataException($"confusion_matrix's labels [{string.Join(", ", released)}] differ from [{string.Join(", ", labels)}]");
        }

        return [.. index.Select(g => index.Select(p => matrix[g][p]).ToArray())];
    }
}
