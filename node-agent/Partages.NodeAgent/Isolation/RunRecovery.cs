using Partages.NodeAgent.Engine.Resilience;

namespace Partages.NodeAgent.Isolation;

/// <summary>
/// What a new inference worker is asked after one died while reading reports (a native crash, out of memory, killed
/// at the per-batch time limit): resume after the dead worker's last checkpoint, and treat the batch it died in as
/// a report's doing. A batch of several documents is scored again one document per call, so the culprit is found
/// and its neighbours keep their results; a single document that killed a worker is counted failed and skipped.
/// Every step adds a document to one of the two lists, so a run ends however often workers die.
/// </summary>
internal static class RunRecovery
{
    /// <summary>The plan resumed after a checkpoint: documents before it are counted, so the lists shed them.</summary>
    public static RunPlan ResumeAt(RunPlan plan, long lines, long documents) => plan with
    {
        StartLine = lines,
        StartDocument = documents,
        Isolated = [.. plan.Isolated.Where(r => r.Last >= documents)],
        Failed = [.. plan.Failed.Where(d => d >= documents)],
    };

    /// <param name="culprit">The documents under inference when the worker died; null when it died between calls.</param>
    /// <param name="batchSize">Documents per batch, to isolate the next batch when the worker died between calls.</param>
    /// <param name="lines">The dataset's line count: no document has a number as high.</param>
    /// <returns>The next plan, or null when none can make progress (the worker died where nothing is left to set aside).</returns>
    public static RunPlan? After(RunPlan plan, DocumentRange? culprit, int batchSize, long lines)
    {
        if (culprit is { } range)
        {
            if (range.First == range.Last)
            {
                return plan.IsFailed(range.First) ? null : plan with { Failed = [.. plan.Failed, range.First] };
            }

            // Isolated documents are scored alone, so a range of several cannot be isolated already; if it were, no progress.
            return plan.IsIsolated(range.First) && plan.IsIsolated(range.Last) ? null : plan with { Isolated = [.. plan.Isolated, range] };
        }

        // Died outside an inference call (reading or tokenizing ahead, or the kernel's OOM killer picking its moment):
        // suspect the next documents after the checkpoint, as if their batch had been under inference.
        var next = plan.StartDocument;
        while (plan.IsFailed(next))
        {
            next++;
        }

        if (next >= lines)
        {
            return null;
        }

        return plan.IsIsolated(next)
            ? plan with { Failed = [.. plan.Failed, next] }
            : plan with { Isolated = [.. plan.Isolated, new DocumentRange(next, next + batchSize - 1)] };
    }
}
