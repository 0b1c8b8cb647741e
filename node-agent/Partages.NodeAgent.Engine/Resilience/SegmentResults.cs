using Partages.Evaluation.Tasks;

namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>
/// Adds up the results of a run's segments (one per inference worker, when a worker died and another resumed after
/// its last checkpoint). Segments count disjoint documents and lines, and every statistic the engine releases is a
/// sum over documents, so the sum of the segments' statistics is the run's — the same code that pools sites.
/// </summary>
public static class SegmentResults
{
    /// <param name="labels">The spec's labels (entity types for entity recognition), in its order.</param>
    /// <exception cref="InvalidDataException">A segment's sections are malformed (a worker wrote something other than the engine's result).</exception>
    public static ResultDocument Merge(string task, IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfZero(segments.Count);
        if (segments.Count == 1)
        {
            // Nothing to add: the very document the engine built, byte for byte.
            return segments[0];
        }

        return TaskRegistry.Get(task).MergeSegments(labels, segments);
    }
}
