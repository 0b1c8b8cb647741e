using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;
using Partages.Evaluation.Results;
using Partages.SecureAggregation;

namespace Partages.Coordinator.SecureAggregation;

/// <summary>Secure aggregation at the coordinator (section <c>SecureAggregation</c>).</summary>
public sealed class SecureSumOptions
{
    public const string SectionName = "SecureAggregation";

    /// <summary>How long the first round waits for every site to finish its model run and join, from the first join.</summary>
    public int AdvertiseSeconds { get; set; } = 3600;

    /// <summary>How long each later round waits for late members before they count as dropouts.</summary>
    public int RoundSeconds { get; set; } = 60;

    /// <summary>Largest layout accepted from a node, in bytes.</summary>
    public int MaxLayoutBytes { get; set; } = 4 * 1024 * 1024;
}

/// <summary>
/// The secure sums in progress, one per pooled-only evaluation, found by the runs that joined them. A sum exists in
/// memory only: when it ends (unmasked or failed) its outcome closes the evaluation (<see cref="SecureSumClosing"/>)
/// and the session, with every masked vector and share, is dropped.
/// </summary>
public sealed class SecureSumSessions(
    IDbContextFactory<CoordinatorDbContext> dbFactory,
    SecureSumClosing closing,
    IOptions<SecureSumOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentDictionary<string, SecureSumSession> _byEvaluation = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (SecureSumSession Session, string Node)> _byRun = new(StringComparer.Ordinal);
    private readonly Lock _joining = new();

    internal async Task<SecureSumSession> JoinAsync(NodeIdentity node, string runId, int vectorLength, string layoutJson, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(runId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "run_id is empty."));
        }

        if (layoutJson.Length > options.Value.MaxLayoutBytes)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"layout_json is {layoutJson.Length} characters, more than this coordinator's limit ({options.Value.MaxLayoutBytes})."));
        }

        int slots;
        try
        {
            slots = SecureSumLayout.SlotCount(layoutJson);
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "layout_json is not a results layout: " + ex.Message));
        }

        if (slots != vectorLength || vectorLength < 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"vector_length is {vectorLength} but the layout has {slots} counts."));
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var run = await db.Runs.AsNoTracking().Include(r => r.Evaluation)
            .SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Run '{runId}' does not exist."));
        if (run.NodeName != node.Name)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"Run '{runId}' belongs to another node."));
        }

        var evaluation = run.Evaluation!;
        if (!SecureSumPooling.IsPooledOnly(evaluation))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Evaluation '{evaluation.Id}' is not pooled-only; its results are submitted per site."));
        }

        if (RunLifecycle.IsFinal(run.Status) || RunLifecycle.IsFinal(evaluation.Status))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Run '{runId}' is {RunLifecycle.Name(run.Status)}; it takes part in no secure sum."));
        }

        var runs = await db.Runs.AsNoTracking().Where(r => r.EvaluationId == evaluation.Id)
            .Select(r => new { r.NodeName, r.Status }).ToListAsync(cancellationToken).ConfigureAwait(false);
        // The intended cohort: the sites whose runs are still open (a site that rejected the run is not waited for).
        var open = runs.Where(r => !RunLifecycle.IsFinal(r.Status)).Select(r => r.NodeName).Order(StringComparer.Ordinal).ToList();
        SecureSumSession session;
        lock (_joining)
        {
            session = _byEvaluation.GetOrAdd(evaluation.Id, id => Start(id, open, layoutJson, vectorLength));
        }

        foreach (var ended in runs.Where(r => RunLifecycle.IsFinal(r.Status)))
        {
            // A run that ended since the session started will never advertise: the first round stops waiting for it.
            session.NotComing(ended.NodeName);
        }

        if (!string.Equals(session.LayoutJson, layoutJson, StringComparison.Ordinal))
        {
            throw SecureSumStatus.Of(Google.Rpc.Code.FailedPrecondition, RefusalCode.WrongShape, $"The released result of '{node.Name}' is laid out differently from the cohort's (another task, label set or configuration); it cannot be summed with them.");
        }

        if (!session.Open)
        {
            throw SecureSumStatus.Of(Google.Rpc.Code.FailedPrecondition, RefusalCode.TooFewMembers, $"The cohort of evaluation '{evaluation.Id}' closed before '{node.Name}' joined.");
        }

        _byRun[runId] = (session, node.Name);
        return session;
    }

    /// <summary>The session a run joined, checked to be the calling node's.</summary>
    internal SecureSumSession Of(NodeIdentity node, string runId)
    {
        if (!_byRun.TryGetValue(runId, out var joined))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Run '{runId}' has not joined a secure sum (call Join first), or its sum has ended."));
        }

        return joined.Node == node.Name ? joined.Session
            : throw new RpcException(new Status(StatusCode.PermissionDenied, $"Run '{runId}' belongs to another node."));
    }

    private SecureSumSession Start(string evaluationId, IReadOnlyList<string> cohort, string layoutJson, int vectorLength)
    {
        var session = new SecureSumSession(
            evaluationId, cohort, layoutJson, vectorLength, timeProvider,
            TimeSpan.FromSeconds(options.Value.AdvertiseSeconds), TimeSpan.FromSeconds(options.Value.RoundSeconds));
        _ = EndAsync(session);
        return session;
    }

    private async Task EndAsync(SecureSumSession session)
    {
        var outcome = await session.Finished.ConfigureAwait(false);
        try
        {
            await closing.CloseAsync(session.EvaluationId, outcome, lifetime.ApplicationStopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The coordinator is stopping: the runs' leases close the evaluation later ("the secure sum did not complete").
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or IOException)
        {
            closing.ReportUnclosed(session.EvaluationId, ex);
        }
        finally
        {
            _byEvaluation.TryRemove(session.EvaluationId, out _);
            foreach (var run in _byRun.Where(r => ReferenceEquals(r.Value.Session, session)).Select(r => r.Key).ToList())
            {
                _byRun.TryRemove(run, out _);
            }
        }
    }
}
