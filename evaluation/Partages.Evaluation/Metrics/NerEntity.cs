namespace Partages.Evaluation.Metrics;

/// <summary>
/// One entity: <c>[Start, End)</c> (end exclusive) in whatever unit both sides of a comparison share — characters
/// for the nervaluate schemes, words for seqeval — and its type as an index into the evaluation's entity types.
/// </summary>
public readonly record struct NerEntity(int Start, int End, int Type)
{
    /// <summary>At least one position in common (half-open intervals, so [0, 5) and [5, 9) do not overlap).</summary>
    public bool Overlaps(NerEntity other) => Start < other.End && other.Start < End;

    public bool SameBoundaries(NerEntity other) => Start == other.Start && End == other.End;

    /// <summary>Checks one document's entities before any is counted, so a bad type leaves the counts as they were.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An entity's type is not an index into the <paramref name="types"/> types.</exception>
    public static void CheckTypes(IReadOnlyList<NerEntity> gold, IReadOnlyList<NerEntity> predicted, int types)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        foreach (var entity in gold.Concat(predicted))
        {
            if ((uint)entity.Type >= (uint)types)
            {
                throw new ArgumentOutOfRangeException(nameof(gold), $"Entity type index {entity.Type} is outside the {types} types.");
            }
        }
    }
}
