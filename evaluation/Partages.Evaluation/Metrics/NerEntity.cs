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
}
