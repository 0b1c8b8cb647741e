using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Partages.Contracts.V1;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Scheduling;

/// <summary>Read side: evaluations and nodes as the evaluator API returns them.</summary>
public sealed class EvaluationQueries(IDbContextFactory<CoordinatorDbContext> dbFactory, NodeSessionRegistry sessions)
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 500;

    public async Task<Contracts.V1.Evaluation?> GetAsync(string evaluationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var evaluation = await db.Evaluations.AsNoTracking().Include(e => e.Runs)
            .SingleOrDefaultAsync(e => e.Id == evaluationId, cancellationToken).ConfigureAwait(false);
        return evaluation is null ? null : ToProto(evaluation);
    }

    /// <summary>
    /// One page of the evaluations, the most recent first (only <paramref name="owner"/>'s when it is not null: an
    /// evaluator sees its own), starting after <paramref name="after"/> (null: the newest); <c>Next</c> is the key to
    /// continue from, null when nothing older remains. Keyset paging on (created_at, id), the list's own order.
    /// </summary>
    public async Task<(IReadOnlyList<Contracts.V1.Evaluation> Page, EvaluationKey? Next)> ListPageAsync(
        int pageSize, EvaluationKey? after, string? owner, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Evaluations.AsNoTracking().Include(e => e.Runs).Where(e => owner == null || e.Owner == owner);
        if (after is not null)
        {
            // The same order as OrderByDescending below: CreatedAt is stored as an integer whose order is the time's.
            query = query.Where(e => e.CreatedAt < after.CreatedAt || (e.CreatedAt == after.CreatedAt && string.Compare(e.Id, after.Id) < 0));
        }

        // One more than asked says whether another page exists without a second query.
        var evaluations = await query.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Take(pageSize + 1)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var page = evaluations.Take(pageSize).ToList();
        var next = evaluations.Count > pageSize ? new EvaluationKey(page[^1].CreatedAt, page[^1].Id) : null;
        return ([.. page.Select(ToProto)], next);
    }

    /// <summary>One page of nodes by name, after <paramref name="afterName"/> (null: the first); <c>NextAfter</c> is null on the last page.</summary>
    public async Task<(IReadOnlyList<Node> Page, string? NextAfter)> ListNodesPageAsync(int pageSize, string? afterName, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await db.Nodes.AsNoTracking()
            .Where(n => afterName == null || string.Compare(n.Name, afterName) > 0)
            .OrderBy(n => n.Name).Take(pageSize + 1)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var page = nodes.Take(pageSize).ToList();
        return ([.. page.Select(ToProto)], nodes.Count > pageSize ? page[^1].Name : null);
    }

    public async Task<IReadOnlyList<string>> EnrolledNodeNamesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Nodes.AsNoTracking().Where(n => !n.Revoked).OrderBy(n => n.Name).Select(n => n.Name)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    public static Contracts.V1.Evaluation ToProto(EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var proto = new Contracts.V1.Evaluation
        {
            Id = evaluation.Id,
            Name = evaluation.Name,
            State = RunLifecycle.ToProto(evaluation.Status),
            SpecSha256 = evaluation.SpecSha256,
            ModelBundleSha256 = evaluation.ModelBundleSha256,
            Owner = evaluation.Owner,
            CreatedAt = Timestamp.FromDateTimeOffset(evaluation.CreatedAt),
            CompletedAt = evaluation.CompletedAt is { } completed ? Timestamp.FromDateTimeOffset(completed) : null,
            PooledResultJson = evaluation.PooledResultJson,
            Reason = evaluation.Reason,
            MinSites = evaluation.MinSites,
        };
        proto.Runs.AddRange(evaluation.Runs.OrderBy(r => r.NodeName, StringComparer.Ordinal).Select(r => new Run
        {
            Id = r.Id,
            NodeName = r.NodeName,
            State = RunLifecycle.ToProto(r.Status),
            Reason = r.Reason,
            Done = r.Done,
            Total = r.Total,
            UpdatedAt = Timestamp.FromDateTimeOffset(r.UpdatedAt),
            ResultJson = r.ResultJson,
            ProgressUnit = ProgressUnits.ToProto(r),
            WaitingSince = r.WaitingSince is { } since ? Timestamp.FromDateTimeOffset(since) : null,
        }));
        proto.IncludedSites.AddRange(JsonSerializer.Deserialize<string[]>(evaluation.IncludedSitesJson) ?? []);
        proto.MissingSites.AddRange(JsonSerializer.Deserialize<string[]>(evaluation.MissingSitesJson) ?? []);
        return proto;
    }

    private Node ToProto(NodeEntity node)
    {
        var proto = new Node
        {
            Id = node.Id,
            Name = node.Name,
            Online = !node.Revoked && sessions.IsOnline(node.Name),
            LastSeen = node.LastSeen is { } seen ? Timestamp.FromDateTimeOffset(seen) : null,
            AgentVersion = node.AgentVersion,
            OnnxruntimeVersion = node.OnnxRuntimeVersion,
            CertificateNotAfter = Timestamp.FromDateTimeOffset(node.CertificateNotAfter),
            Revoked = node.Revoked,
        };
        foreach (var d in JsonSerializer.Deserialize<StoredDataset[]>(node.DatasetsJson) ?? [])
        {
            proto.Datasets.Add(new DatasetSummary { Name = d.Name, Format = d.Format, ApproximateDocuments = d.ApproximateDocuments, Fingerprint = d.Fingerprint });
        }

        return proto;
    }
}

/// <summary>Where a page of evaluations ends: the last one's creation time and id (the list's sort key).</summary>
public sealed record EvaluationKey(DateTimeOffset CreatedAt, string Id);
