using System.Text.Json;
using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// The evaluation's one state change: from running to final, once, with its pooled document and the sites in and out
/// of it. Kept on the entity so that "final never changes" holds wherever the closing is decided (ResultPooler).
/// </summary>
public sealed partial class EvaluationEntity
{
    private EvaluationStatus _status;

    /// <exception cref="InvalidOperationException">The evaluation is already final, or <paramref name="status"/> is not a final state.</exception>
    public void Close(EvaluationStatus status, string reason, string pooledResultJson, IEnumerable<string> includedSites, IEnumerable<string> missingSites, DateTimeOffset now)
    {
        if (RunLifecycle.IsFinal(Status) || !RunLifecycle.IsFinal(status))
        {
            throw new InvalidOperationException($"Evaluation {Id} cannot go from {Status} to {status}.");
        }

        _status = status;
        Reason = reason;
        PooledResultJson = pooledResultJson;
        IncludedSitesJson = JsonSerializer.Serialize(includedSites);
        MissingSitesJson = JsonSerializer.Serialize(missingSites);
        CompletedAt = now;
    }
}
