namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>Usable documents <see cref="First"/> to <see cref="Last"/> (inclusive), numbered from 0 in reading order.</summary>
public readonly record struct DocumentRange(long First, long Last)
{
    public bool Contains(long document) => document >= First && document <= Last;
}

/// <summary>
/// Where a run (or the rest of one) starts, and which documents it must handle with care: what the agent asks of an
/// inference worker it restarts after one died. Documents are the dataset's usable documents, numbered from 0 in
/// reading order; reading is deterministic, so a new worker numbers them as the dead one did.
/// </summary>
/// <remarks>
/// A run is cut into segments at checkpoints (<see cref="IInferenceObserver.Checkpoint"/>): a segment counts the
/// documents from <see cref="StartDocument"/> and the lines after <see cref="StartLine"/>, so segments never count a
/// line twice and their results add up (<see cref="SegmentResults.Merge"/>) to the run's.
/// </remarks>
public sealed record RunPlan
{
    /// <summary>The whole dataset, nothing isolated: a first run.</summary>
    public static RunPlan Full { get; } = new();

    /// <summary>Documents before this one are counted by an earlier segment: read again (duplicate ids need them), never counted.</summary>
    public long StartDocument { get; init; }

    /// <summary>The reader's line count once document <see cref="StartDocument"/> − 1 was read; checked, so a changed file cannot resume.</summary>
    public long StartLine { get; init; }

    /// <summary>Documents scored one per inference call: a batch in which a worker died, so the culprit is found and the others kept.</summary>
    public IReadOnlyList<DocumentRange> Isolated { get; init; } = [];

    /// <summary>Documents counted <c>inference_failed</c> without running the model: a worker died scoring each of them alone.</summary>
    public IReadOnlyList<long> Failed { get; init; } = [];

    public bool IsIsolated(long document) => Isolated.Any(r => r.Contains(document));

    public bool IsFailed(long document) => Failed.Contains(document);
}

/// <summary>A <see cref="RunPlan"/>'s sets, built once per run for lookups per document (a plan can name many failed documents).</summary>
internal sealed class RunPlanLookup(RunPlan plan)
{
    private readonly HashSet<long> _failed = [.. plan.Failed];
    private readonly DocumentRange[] _isolated = [.. plan.Isolated];

    public bool IsFailed(long document) => _failed.Contains(document);

    public bool IsIsolated(long document)
    {
        foreach (var range in _isolated)
        {
            if (range.Contains(document))
            {
                return true;
            }
        }

        return false;
    }
}
