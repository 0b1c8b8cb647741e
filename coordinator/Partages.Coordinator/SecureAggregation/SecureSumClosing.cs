using System.Text.Json;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.SecureAggregation;

/// <summary>
/// The one ledger write at the end of a secure sum: contributors' open runs succeed (with no result of their own: the
/// sum is the result), the others fail with the reason, and the evaluation closes through <see cref="SecureSumPooling"/>.
/// </summary>
public sealed partial class SecureSumClosing(RunLedger ledger, ILogger<SecureSumClosing> logger)
{
    internal async Task CloseAsync(string evaluationId, SecureSumOutcomeRecord outcome, CancellationToken cancellationToken)
    {
        try
        {
            await ledger.WriteAsync(
                async write =>
                {
                    var contributorNames = outcome.Result?.Contributors ?? [];
                    var nodes = await write.Db.Nodes.Where(n => contributorNames.Contains(n.Name))
                        .Select(n => new { n.Name, n.DatasetsJson }).ToListAsync(cancellationToken).ConfigureAwait(false);
                    SecureSumPooling.Remember(evaluationId, outcome with
                    {
                        Announced = nodes.ToDictionary(
                            n => n.Name,
                            n => (IReadOnlyList<StoredDataset>)(JsonSerializer.Deserialize<StoredDataset[]>(n.DatasetsJson) ?? []),
                            StringComparer.Ordinal),
                    });
                    var evaluation = await write.Db.Evaluations.Include(e => e.Runs)
                        .SingleOrDefaultAsync(e => e.Id == evaluationId, cancellationToken).ConfigureAwait(false);
                    if (evaluation is null || RunLifecycle.IsFinal(evaluation.Status))
                    {
                        return;
                    }

                    var contributors = outcome.Result?.Contributors ?? [];
                    foreach (var run in evaluation.Runs.Where(r => !RunLifecycle.IsFinal(r.Status)))
                    {
                        var contributed = contributors.Contains(run.NodeName, StringComparer.Ordinal);
                        write.Record(run, contributed
                            ? run.Succeed("", ReleasedFigures.None, "", "", write.Now)
                            : run.Fail(outcome.Result is null ? "the secure sum failed: " + outcome.FailureReason : "not in the secure sum", write.Now));
                    }

                    write.Finalize(evaluation);
                    await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            SecureSumPooling.Forget(evaluationId);
        }

        if (outcome.Result is { } result)
        {
            Log.Summed(logger, evaluationId, result.Contributors.Count, result.DroppedAfterSharing.Count, result.LeftOut.Count);
        }
        else
        {
            Log.Failed(logger, evaluationId, outcome.FailureReason ?? "");
        }
    }

    internal void ReportUnclosed(string evaluationId, Exception exception) => Log.Unclosed(logger, exception, evaluationId);

    private static partial class Log
    {
        [LoggerMessage(1402, LogLevel.Error, "Secure sum of evaluation {EvaluationId} ended but the evaluation could not be closed; its runs' leases will close it.")]
        public static partial void Unclosed(ILogger logger, Exception exception, string evaluationId);

        [LoggerMessage(1400, LogLevel.Information, "Secure sum of evaluation {EvaluationId} unmasked over {Contributors} site(s); {Dropped} dropped after sharing, {LeftOut} left out. Masked vectors discarded.")]
        public static partial void Summed(ILogger logger, string evaluationId, int contributors, int dropped, int leftOut);

        [LoggerMessage(1401, LogLevel.Warning, "Secure sum of evaluation {EvaluationId} failed, no sum revealed: {Reason}")]
        public static partial void Failed(ILogger logger, string evaluationId, string reason);
    }
}
