using System.Text;
using Partages.Evaluation;
using Partages.Evaluation.Results;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// A result as it leaves the node: the results JSON and its SHA-256. It can only be made from a
/// <see cref="ResultDocument"/> — a type with room for aggregates only — so no other text can become a payload.
/// </summary>
public sealed class ReleasedPayload
{
    private ReleasedPayload(string runId, string resultJson, string sha256, int byteCount)
    {
        RunId = runId;
        ResultJson = resultJson;
        Sha256 = sha256;
        ByteCount = byteCount;
    }

    public string RunId { get; }

    /// <summary>Exactly the bytes submitted (UTF-8); never logged.</summary>
    public string ResultJson { get; }

    /// <summary>SHA-256 of <see cref="ResultJson"/>'s UTF-8 bytes, lowercase hex: what the audit trail and the logs show.</summary>
    public string Sha256 { get; }

    public int ByteCount { get; }

    /// <summary>
    /// The node's part of the reproducibility manifest, sent beside the payload (not in it, nor in its hash): the
    /// dataset fingerprint and versions the node already announces in its hello. Null until the job runner adds it.
    /// </summary>
    public Partages.Contracts.V1.RunManifest? Manifest { get; private init; }

    /// <summary>
    /// The evaluation's labels when the payload goes into a secure sum (a pooled-only evaluation) instead of being sent:
    /// only its masked count vector leaves (SecureSum/SecureSumContribution). Null for a per-site release.
    /// </summary>
    public IReadOnlyList<string>? SecureSumLabels { get; private init; }

    /// <summary>The same payload, to be sent with <paramref name="manifest"/>.</summary>
    public ReleasedPayload WithManifest(Partages.Contracts.V1.RunManifest manifest) =>
        new(RunId, ResultJson, Sha256, ByteCount) { Manifest = manifest, SecureSumLabels = SecureSumLabels };

    /// <summary>The same payload, to be added into a secure sum laid out by <paramref name="labels"/>.</summary>
    public ReleasedPayload ForSecureSum(IReadOnlyList<string> labels) =>
        new(RunId, ResultJson, Sha256, ByteCount) { Manifest = Manifest, SecureSumLabels = labels };

    internal static ReleasedPayload From(string runId, ResultDocument result)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(result);
        var json = Partages.Evaluation.Results.ResultJson.Serialize(result);
        var bytes = Encoding.UTF8.GetBytes(json);
        return new ReleasedPayload(runId, json, ContentHash.Of(bytes), bytes.Length);
    }
}
