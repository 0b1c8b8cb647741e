using System.Text.Json;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.ReadModel;

/// <summary>
/// The query side: nodes and evaluations from the database (and who is connected from the session registry), as one
/// set of views (Views.cs) that the gRPC API (<see cref="ProtoViews"/>), the JSON API and the dashboard all show.
/// Who may see an evaluation is decided here (<see cref="EvaluationAccess"/>: an evaluator only its own), for every
/// caller alike. Nothing here parses a run's result: what the views show of it was stored at intake (RunEntity.Released).
/// </summary>
public sealed partial class CoordinatorReadModel(IDbContextFactory<CoordinatorDbContext> dbFactory, NodeSessionRegistry sessions, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 500;

    /// <summary>Every enrolled node, by name.</summary>
    public async Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken) =>
        (await NodesPageAsync(int.MaxValue, afterName: null, cancellationToken).ConfigureAwait(false)).Page;

    /// <summary>One page of nodes by name, after <paramref name="afterName"/> (null: the first); <c>NextAfter</c> is null on the last page.</summary>
    public async Task<(IReadOnlyList<NodeView> Page, string? NextAfter)> NodesPageAsync(int pageSize, string? afterName, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var fetched = await db.Nodes.AsNoTracking()
            .Where(n => afterName == null || string.Compare(n.Name, afterName) > 0)
            .OrderBy(n => n.Name).Take(pageSize == int.MaxValue ? pageSize : pageSize + 1)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var nodes = fetched.Take(pageSize).ToList();
        // Load: the runs the node holds right now (offered to it and not final), as its scheduler sees them.
        var held = await db.Runs.AsNoTracking().Where(r => RunLifecycle.AtNode.Contains(r.Status))
            .GroupBy(r => r.NodeName).Select(g => new { Node = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Node, x => x.Count, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        return ([.. nodes.Select(n => new NodeView(
            n.Name,
            !n.Revoked && sessions.IsOnline(n.Name, n.LastSeen),
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
            n.AuditWarning.Length > 0 ? new AuditWarningView(n.AuditWarning, n.AuditWarningAt) : null,
            Certificate(n, now),
            n.Id))], fetched.Count > pageSize ? nodes[^1].Name : null);
    }

    private static CertificateView Certificate(NodeEntity node, DateTimeOffset now)
    {
        var notBefore = node.EnrolledAt;
        try
        {
            using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(node.CertificatePem);
            notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Rows written by tests or older coordinators may lack the PEM: the enrollment time stands in for NotBefore.
        }

        return new CertificateView(notBefore, node.CertificateNotAfter, node.CertificateRenewedAt, node.CertificateIssuerSha256,
            CertificateView.IsSoon(notBefore, node.CertificateNotAfter, now));
    }

    /// <summary>The names of the nodes an evaluation may target (enrolled, not revoked), by name.</summary>
    public async Task<IReadOnlyList<string>> EnrolledNodeNamesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Nodes.AsNoTracking().Where(n => !n.Revoked).OrderBy(n => n.Name).Select(n => n.Name)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The most recent evaluations the caller may see, optionally only those in <paramref name="state"/>, as the lines
    /// of a list (no runs, no results).
    /// </summary>
    public async Task<IReadOnlyList<EvaluationSummaryView>> EvaluationsAsync(EvaluatorIdentity caller, EvaluationStatus? state, int limit, CancellationToken cancellationToken) =>
        (await EvaluationsPageAsync(caller, state, limit, after: null, cancellationToken).ConfigureAwait(false)).Page;

    /// <summary>
    /// As <see cref="EvaluationsAsync"/>, one page: after <paramref name="after"/> (null: the newest), with the key to
    /// continue from (null on the last page). Keyset paging on (created_at, id), the list's own order (docs/api.md, "Paging").
    /// </summary>
    public async Task<(IReadOnlyList<EvaluationSummaryView> Page, EvaluationKey? Next)> EvaluationsPageAsync(
        EvaluatorIdentity caller, EvaluationStatus? state, int limit, EvaluationKey? after, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var (evaluations, next) = await PageAsync(db, caller, state, limit, after, cancellationToken).ConfigureAwait(false);
        var ids = evaluations.Select(e => e.Id).ToList();
        // Only the figures a line shows: not the runs' results, which a list never needs.
        var runs = (await db.Runs.AsNoTracking().Where(r => ids.Contains(r.EvaluationId))
                .Select(r => new { r.EvaluationId, r.Status, r.Done, r.Total, r.Released.DocumentsRead })
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(r => r.EvaluationId, StringComparer.Ordinal);
        return ([.. evaluations.Select(e =>
        {
            var own = runs[e.Id].ToList();
            // Runs still downloading report bundle bytes, not documents: leave them out of the document count.
            var read = own.Where(r => r.Status is RunStatus.Succeeded).Sum(r => r.DocumentsRead ?? 0);
            var running = own.Where(r => r.Status is RunStatus.Running).ToList();
            return new EvaluationSummaryView(
                e.Id,
                e.Name,
                StateName(e.Status),
                e.Reason,
                e.Owner,
                e.Task,
                e.Dataset,
                e.CreatedAt,
                e.CompletedAt,
                own.Count,
                own.Count(r => RunLifecycle.IsFinal(r.Status)),
                own.Count(r => r.Status == RunStatus.Succeeded),
                running.Sum(r => r.Done) + read,
                running.Sum(r => r.Total) + read);
        })], next);
    }

    /// <summary>As <see cref="EvaluationsPageAsync"/>, each evaluation whole (what ListEvaluations answers).</summary>
    public async Task<(IReadOnlyList<EvaluationView> Page, EvaluationKey? Next)> FullEvaluationsPageAsync(
        EvaluatorIdentity caller, EvaluationStatus? state, int limit, EvaluationKey? after, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var (evaluations, next) = await PageAsync(db, caller, state, limit, after, cancellationToken, withRuns: true).ConfigureAwait(false);
        return (await ViewsAsync(db, evaluations, cancellationToken, withHistory: false).ConfigureAwait(false), next);
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
        return evaluation is null || !EvaluationAccess.CanSee(caller, evaluation.Owner)
            ? null
            : (await ViewsAsync(db, [evaluation], cancellationToken).ConfigureAwait(false))[0];
    }

    private static async Task<(List<EvaluationEntity> Page, EvaluationKey? Next)> PageAsync(
        CoordinatorDbContext db, EvaluatorIdentity caller, EvaluationStatus? state, int limit, EvaluationKey? after, CancellationToken cancellationToken, bool withRuns = false)
    {
        var take = limit <= 0 ? DefaultListLimit : Math.Min(limit, MaxListLimit);
        var query = withRuns ? db.Evaluations.AsNoTracking().Include(e => e.Runs) : db.Evaluations.AsNoTracking();
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
            // The same order as OrderByDescending below: CreatedAt is stored as an integer whose order is the time's.
            query = query.Where(e => e.CreatedAt < after.CreatedAt || (e.CreatedAt == after.CreatedAt && string.Compare(e.Id, after.Id) < 0));
        }

        // One more than asked says whether another page exists without a second query.
        var fetched = await query.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Take(take + 1)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var page = fetched.Take(take).ToList();
        return (page, fetched.Count > take ? new EvaluationKey(page[^1].CreatedAt, page[^1].Id) : null);
    }

    /// <param name="withHistory">
    /// Whether every run's state history is read. Without it (a list page: up to 500 evaluations of hundreds of runs,
    /// read again on every live update) only the runs whose progress unit must be inferred from their history are.
    /// </param>
    private static async Task<IReadOnlyList<EvaluationView>> ViewsAsync(
        CoordinatorDbContext db, List<EvaluationEntity> evaluations, CancellationToken cancellationToken, bool withHistory = true)
    {
        var runIds = evaluations.SelectMany(e => e.Runs).Where(r => withHistory || RunProgress.NeedsHistory(r)).Select(r => r.Id).ToList();
        var history = (await db.RunStateHistory.AsNoTracking().Where(h => runIds.Contains(h.RunId)).OrderBy(h => h.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(h => h.RunId, StringComparer.Ordinal);
        return [.. evaluations.Select(e => View(e, history))];
    }

    internal static EvaluationView View(EvaluationEntity evaluation, ILookup<string, RunStateHistoryEntity> history) => new(
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
        [.. evaluation.Runs.OrderBy(r => r.NodeName, StringComparer.Ordinal).Select(r => View(r, [.. history[r.Id]]))],
        evaluation.PooledResultJson);

    internal static RunView View(RunEntity run, List<RunStateHistoryEntity> changes)
    {
        var (done, total, unit) = RunProgress.Of(run, changes.Select(h => h.State));
        return new RunView(
            run.Id,
            run.NodeName,
            StateName(run.Status),
            run.Reason,
            done,
            total,
            ProgressUnits.Name(unit),
            run.Attempts,
            run.UpdatedAt,
            run.ResultSha256.Length == 0 ? null : run.ResultSha256,
            run.Released.Epsilon,
            [.. changes.Select(h => new StateChangeView(StateName(h.State), h.Reason, h.At))],
            run.WaitingSince,
            run.ResultJson);
    }

    public static string StateName(RunStatus status) => RunLifecycle.Name(status);

    public static string StateName(EvaluationStatus status) => RunLifecycle.Name(status);

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
