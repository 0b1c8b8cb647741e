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

    /// <summary>The most recent evaluations first.</summary>
    public Task<IReadOnlyList<Contracts.V1.Evaluation>> ListAsync(int limit, CancellationToken cancellationToken) =>
        ListAsync(limit, owner: null, cancellationToken);

    /// <summary>The most recent evaluations first; only <paramref name="owner"/>'s when it is not null (an evaluator sees its own).</summary>
    public async Task<IReadOnlyList<Contracts.V1.Evaluation>> ListAsync(int limit, string? owner, CancellationToken cancellationToken)
    {
        var take = limit <= 0 ? DefaultListLimit : Math.Min(limit, MaxListLimit);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var evaluations = await db.Evaluations.AsNoTracking().Include(e => e.Runs)
            .Where(e => owner == null || e.Owner == owner)
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Take(take)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. evaluations.Select(ToProto)];
    }

    public async Task<IReadOnlyList<Node>> ListNodesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. nodes.Select(ToProto)];
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
