using Partages.Coordinator.Scheduling;
using Partages.Evaluation.Results;

namespace Partages.Coordinator.Results;

/// <summary>
/// Closes an evaluation whose runs are all final: pools the succeeded sites' confusion matrices
/// (<see cref="PooledResultDocument.Pool"/>), names the missing sites with their reasons, and decides
/// completed (at least min_sites succeeded) or failed. A cancelled evaluation keeps a pooled figure only when at least
/// min_sites succeeded before the cancellation.
/// </summary>
public static class ResultPooler
{
    /// <summary>Fills the evaluation's pooled result and final state. Every run must be final.</summary>
    public static void Close(EvaluationEntity evaluation, DateTimeOffset now, EvaluationStatus? forced = null, string? forcedReason = null)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        if (SecureAggregation.SecureSumPooling.IsPooledOnly(evaluation))
        {
            // No per-site result exists: the pooled figures come from the secure sum alone.
            SecureAggregation.SecureSumPooling.Close(evaluation, now, forced, forcedReason);
            return;
        }

        var sites = new Dictionary<string, ResultDocument>(StringComparer.Ordinal);
        var missing = new List<MissingSite>();
        foreach (var run in evaluation.Runs.OrderBy(r => r.NodeName, StringComparer.Ordinal))
        {
            if (run.Status == RunStatus.Succeeded)
            {
                sites[run.NodeName] = ResultJson.DeserializeSite(run.ResultJson);
            }
            else
            {
                missing.Add(new MissingSite(run.NodeName, Describe(run)));
            }
        }

        PooledResultDocument pooled;
        try
        {
            pooled = PooledResultDocument.Pool(evaluation.Task, ResultIntake.Labels(evaluation), sites, missing);
        }
        catch (InvalidDataException) when (forced is not null)
        {
            // The caller closes a run it could not pool as failed: record the sites without a pooled result rather than
            // throwing the same error again.
            pooled = new PooledResultDocument
            {
                Task = evaluation.Task,
                Pooled = null,
                PerSite = new SortedDictionary<string, ResultDocument>(sites, StringComparer.Ordinal),
                IncludedSites = [.. sites.Keys.Order(StringComparer.Ordinal)],
                MissingSites = missing,
            };
        }

        if (forced == EvaluationStatus.Cancelled && sites.Count < evaluation.MinSites && pooled.Pooled is not null)
        {
            // Cancelled before min_sites succeeded: the sites' own results stay, but a pooled figure over fewer sites
            // than the evaluator asked for would read as the answer to the question they asked.
            pooled = pooled with { Pooled = null };
        }

        var (status, reason) = forced is { } given ? (given, forcedReason ?? "")
            : sites.Count >= evaluation.MinSites ? (EvaluationStatus.Completed, "")
            : (EvaluationStatus.Failed, $"{sites.Count} of {evaluation.Runs.Count} site(s) succeeded; min_sites is {evaluation.MinSites}.");
        evaluation.Close(
            status,
            reason,
            ManifestIntake.Attach(pooled, evaluation),
            pooled.IncludedSites,
            pooled.MissingSites.Select(m => m.Site),
            now);
    }

    private static string Describe(RunEntity run)
    {
        var state = RunLifecycle.Name(run.Status);
        // A node that never took part says so itself ("not participating: ..."); the state name would repeat it.
        return string.IsNullOrEmpty(run.Reason) ? state
            : run.Status == RunStatus.NotParticipating ? run.Reason
            : $"{state}: {run.Reason}";
    }
}
