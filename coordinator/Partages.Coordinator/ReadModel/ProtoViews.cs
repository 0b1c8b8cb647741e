using Google.Protobuf.WellKnownTypes;
using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.ReadModel;

/// <summary>
/// The read model's views as the gRPC API's messages: a field-for-field copy, so ListEvaluations, GetEvaluation and
/// WatchEvaluation show exactly what the JSON API and the dashboard show.
/// </summary>
public static class ProtoViews
{
    // The views name states as the JSON API does; the messages take the enums those names stand for.
    private static readonly Dictionary<string, RunState> RunStates =
        System.Enum.GetValues<RunStatus>().ToDictionary(CoordinatorReadModel.StateName, RunLifecycle.ToProto, StringComparer.Ordinal);

    private static readonly Dictionary<string, EvaluationState> EvaluationStates =
        System.Enum.GetValues<EvaluationStatus>().ToDictionary(CoordinatorReadModel.StateName, RunLifecycle.ToProto, StringComparer.Ordinal);

    public static Contracts.V1.Evaluation ToProto(this EvaluationView evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var proto = new Contracts.V1.Evaluation
        {
            Id = evaluation.Id,
            Name = evaluation.Name,
            State = EvaluationStates[evaluation.State],
            SpecSha256 = evaluation.SpecSha256,
            ModelBundleSha256 = evaluation.ModelBundleSha256,
            Owner = evaluation.Owner,
            CreatedAt = Timestamp.FromDateTimeOffset(evaluation.CreatedAt),
            CompletedAt = Time(evaluation.CompletedAt),
            PooledResultJson = evaluation.PooledResultJson,
            Reason = evaluation.Reason,
            MinSites = evaluation.MinSites,
        };
        proto.Runs.AddRange(evaluation.Runs.Select(r => new Run
        {
            Id = r.Id,
            NodeName = r.NodeName,
            State = RunStates[r.State],
            Reason = r.Reason,
            Done = r.Done,
            Total = r.Total,
            UpdatedAt = Timestamp.FromDateTimeOffset(r.UpdatedAt),
            ResultJson = r.ResultJson,
            ProgressUnit = r.ProgressUnit switch
            {
                "bytes" => ProgressUnit.Bytes,
                "documents" => ProgressUnit.Documents,
                _ => ProgressUnit.Unspecified,
            },
            WaitingSince = Time(r.WaitingSince),
        }));
        proto.IncludedSites.AddRange(evaluation.IncludedSites);
        proto.MissingSites.AddRange(evaluation.MissingSites);
        return proto;
    }

    public static Node ToProto(this NodeView node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var proto = new Node
        {
            Id = node.Id,
            Name = node.Name,
            Online = node.Online,
            LastSeen = Time(node.LastHeartbeat),
            AgentVersion = node.AgentVersion,
            OnnxruntimeVersion = node.OnnxruntimeVersion,
            CertificateNotAfter = Timestamp.FromDateTimeOffset(node.CertificateNotAfter),
            Revoked = node.Revoked,
        };
        proto.Datasets.AddRange(node.Datasets.Select(d => new DatasetSummary
        {
            Name = d.Name, Format = d.Format, ApproximateDocuments = d.ApproximateDocuments, Fingerprint = d.Fingerprint,
        }));
        return proto;
    }

    private static Timestamp? Time(DateTimeOffset? at) => at is { } value ? Timestamp.FromDateTimeOffset(value) : null;
}
