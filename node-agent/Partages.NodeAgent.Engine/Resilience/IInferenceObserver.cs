namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>
/// Where a run stands, for the agent that watches the worker running it: when reports start being read, which
/// documents are under inference, and checkpoints it can resume from if the worker dies. Called from the engine's
/// threads (one at a time per method kind; the implementation serialises its output).
/// </summary>
public interface IInferenceObserver
{
    /// <summary>
    /// The bundle is checked and the model loaded; reports are read from now on. A failure before this was decided
    /// without reading any report; a failure after it may depend on one, so the run must not fail on it.
    /// </summary>
    /// <param name="lines">The dataset's line count (documents, usable or not): the progress denominator, public.</param>
    void ReadingStarted(long lines);

    /// <summary>One inference call over documents <paramref name="firstDocument"/>..<paramref name="lastDocument"/> starts.</summary>
    void InferenceStarted(long firstDocument, long lastDocument);

    /// <summary>The call started last returned; <paramref name="failure"/> says why it failed (no report text), or is null.</summary>
    void InferenceEnded(string? failure);

    /// <summary>Every document before <see cref="SegmentCheckpoint.Documents"/> is accounted for in the checkpoint's result.</summary>
    void Checkpoint(SegmentCheckpoint checkpoint);
}

/// <summary>
/// The run so far, from the plan's start: <see cref="Result"/> counts documents <see cref="RunPlan.StartDocument"/>
/// up to (excluding) <see cref="Documents"/> and lines after <see cref="RunPlan.StartLine"/> up to <see cref="Lines"/>.
/// </summary>
public sealed record SegmentCheckpoint(long Lines, long Documents, ResultDocument Result);
