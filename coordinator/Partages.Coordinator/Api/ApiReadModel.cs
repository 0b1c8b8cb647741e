using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;
using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Api;

/// <summary>Reads nodes and evaluations from the database (and who is connected from the session registry) for the API and the dashboard.</summary>
public sealed class ApiReadModel(IDbContextFactory<CoordinatorDbContext> dbFactory, NodeSessionRegistry sessions)
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 500;

    public async Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        // Load: the runs the node holds right now (offered to it and not final), as its scheduler sees them.
        var held = await db.Runs.AsNoTracking().Where(r => RunLifecycle.AtNode.Contains(r.Status))
            .GroupBy(r => r.NodeName).Select(g => new { Node = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Node, x => x.Count, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        return [.. nodes.Select(n => new NodeView(
            n.Name,
            !n.Revoked && sessions.IsOnline(n.Name),
            n.Revoked,
            n.LastSeen,
            n.AgentVersion,
            n.OnnxRuntimeVersion,
            [.. (JsonSerializer.Deserialize<StoredDataset[]>(n.DatasetsJson) ?? []).Select(d => new DatasetView(d.Name, d.Format, d.ApproximateDocuments, d.Fingerprint))],
            held.GetValueOrDefault(n.Name),
            n.MaxConcurrentRuns,
            n.EnrolledAt,
            n.CertificateNotAfter,
            n.AuditHeadSequence is { } sequence ? new AuditHeadView(sequence, n.AuditHeadSha256 ?? "", n.AuditHeadRecordedAt) : null,
            n.AuditWarning.Length > 0 ? new AuditWarningView(n.AuditWarning, n.AuditWarningAt) : null))];
    }

    /// <summary>
    /// The most recent evaluations the caller may see (<see cref="EvaluationAccess"/>: an evaluator only its own),
    /// optionally only those in <paramref name="state"/>.
    /// </summary>
    public async Task<IReadOnlyList<EvaluationSummaryView>> EvaluationsAsync(EvaluatorIdentity caller, EvaluationStatus? state, int limit, CancellationToken cancellationToken) =>
        (await EvaluationsPageAsync(caller, state, limit, after: null, cancellationToken).ConfigureAwait(false)).Page;

    /// <summary>
    /// As <see cref="EvaluationsAsync"/>, one page: after <paramref name="after"/> (null: the newest), with the key to
    /// continue from (null on the last page). The same keyset paging as ListEvaluations (docs/api.md, "Paging").
    /// </summary>
    public async Task<(IReadOnlyList<EvaluationSummaryView> Page, EvaluationKey? Next)> EvaluationsPageAsync(
        EvaluatorIdentity caller, EvaluationStatus? state, int limit, EvaluationKey? after, CancellationToken cancellationToken)
    {
        var take = limit <= 0 ? DefaultListLimit : Math.Min(limit, MaxListLimit);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Evaluations.AsNoTracking().Include(e => e.Runs).AsQueryable();
        if (EvaluationAccess.ListOwnerFilter(caller) is { } owner)
        {
            query = query.Where(e => e.Owner == owner);
        }

        if (state is { } wanted)
        {
            query = query.Where(e => e.Status == wanted);
        }

        if (after is not null)
        {
            query = query.Where(e => e.CreatedAt < after.CreatedAt || (e.CreatedAt == after.CreatedAt && string.Compare(e.Id, after.Id) < 0));
        }

        // One more than asked says whether another page exists.
        var fetched = await query.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Take(take + 1)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var evaluations = fetched.Take(take).ToList();
        var next = fetched.Count > take ? new EvaluationKey(evaluations[^1].CreatedAt, evaluations[^1].Id) : null;
        return ([.. evaluations.Select(e => new EvaluationSummaryView(
            e.Id,
            e.Name,
            StateName(e.Status),
            e.Reason,
            e.Owner,
            e.Task,
            e.Dataset,
            e.CreatedAt,
            e.CompletedAt,
            e.Runs.Count,
            e.Runs.Count(r => RunLifecycle.IsFinal(r.Status)),
            e.Runs.Count(r => r.Status == RunStatus.Succeeded),
            // Runs still downloading report bundle bytes, not documents: leave them out of the document count.
            e.Runs.Where(r => r.Status is RunStatus.Running).Sum(r => r.Done)
                + e.Runs.Where(r => r.Status is RunStatus.Succeeded).Sum(r => ReleasedFigures.Read(r.ResultJson).DocumentsRead ?? 0),
            e.Runs.Where(r => r.Status is RunStatus.Running).Sum(r => r.Total)
                + e.Runs.Where(r => r.Status is RunStatus.Succeeded).Sum(r => ReleasedFigures.Read(r.ResultJson).DocumentsRead ?? 0)))], next);
    }

    /// <summary>
    /// The evaluation with its runs and their state histories; null when there is no such evaluation or the caller
    /// may not see it (the same answer, so others' ids are not confirmed).
    /// </summary>
    public async Task<EvaluationView?> EvaluationAsync(EvaluatorIdentity caller, string evaluationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var evaluation = await db.Evaluations.AsNoTracking().Include(e => e.Runs)
            .SingleOrDefaultAsync(e => e.Id == evaluationId, cancellationToken).ConfigureAwait(false);
        if (evaluation is null || !EvaluationAccess.CanSee(caller, evaluation.Owner))
        {
            return null;
        }

        var runIds = evaluation.Runs.Select(r => r.Id).ToList();
        var history = (await db.RunStateHistory.AsNoTracking().Where(h => runIds.Contains(h.RunId)).OrderBy(h => h.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(h => h.RunId, StringComparer.Ordinal);
        var runs = evaluation.Runs.OrderBy(r => r.NodeName, StringComparer.Ordinal).Select(r =>
        {
            var changes = history[r.Id].ToList();
            var released = ReleasedFigures.Read(r.ResultJson);
            var (done, total, unit) = Progress(r, changes, released);
            return new RunView(
                r.Id,
                r.NodeName,
                StateName(r.Status),
                r.Reason,
                done,
                total,
                unit,
                r.Attempts,
                r.UpdatedAt,
                r.ResultSha256.Length == 0 ? null : r.ResultSha256,
                released.Epsilon,
                [.. changes.Select(h => new StateChangeView(StateName(h.State), h.Reason, h.At))],
                r.WaitingSince);
        });
        return new EvaluationView(
            evaluation.Id,
            evaluation.Name,
            StateName(evaluation.Status),
            evaluation.Reason,
            evaluation.Owner,
            evaluation.Task,
            evaluation.Dataset,
            JsonSerializer.Deserialize<string[]>(evaluation.LabelsJson) ?? [],
            evaluation.MinSites,
            evaluation.SpecSha256,
            evaluation.ModelBundleSha256,
            evaluation.CreatedAt,
            evaluation.Deadline,
            evaluation.CompletedAt,
            JsonSerializer.Deserialize<string[]>(evaluation.IncludedSitesJson) ?? [],
            JsonSerializer.Deserialize<string[]>(evaluation.MissingSitesJson) ?? [],
            [.. runs],
            evaluation.PooledResultJson.Length == 0 ? null : JsonDocument.Parse(evaluation.PooledResultJson).RootElement.Clone());
    }

    /// <summary>
    /// A node reports one done/total pair, in bytes while it downloads the bundle and in documents while it
    /// evaluates; the unit stored with the pair says which (for rows stored before the unit was, the run's furthest
    /// phase). A succeeded run's own result says how many documents it read.
    /// </summary>
    private static (long Done, long Total, string Unit) Progress(RunEntity run, List<RunStateHistoryEntity> history, ReleasedFigures released)
    {
        if (run.Status == RunStatus.Succeeded && released.DocumentsRead is { } read)
        {
            return (read, read, "documents");
        }

        if (run.ProgressUnit != RunProgressUnit.None)
        {
            return (run.Done, run.Total, ProgressUnits.Name(run.ProgressUnit));
        }

        var reached = history.Select(h => h.State).Append(run.Status).ToList();
        return reached.Contains(RunStatus.Running) ? (run.Done, run.Total, "documents")
            : reached.Contains(RunStatus.Downloading) ? (run.Done, run.Total, "bytes")
            : (run.Done, run.Total, "");
    }

    public static string StateName(RunStatus status) => RunLifecycle.Name(status);

    public static string StateName(EvaluationStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Parses a <c>state=</c> filter; empty means no filter.</summary>
    public static bool TryParseState(string? text, out EvaluationStatus? state)
    {
        state = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (Enum.TryParse<EvaluationStatus>(text.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(text, out _))
        {
            state = parsed;
            return true;
        }

        return false;
    }
}
