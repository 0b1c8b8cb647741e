using Partages.SecureAggregation.Crypto;

namespace Partages.NodeAgent.Policy;

/// <summary>How a dataset's results may leave (policy key <c>release</c> of a dataset).</summary>
public enum DatasetRelease
{
    /// <summary>Each run releases this site's own result (the default).</summary>
    PerSite,

    /// <summary>Only into a secure sum with the peers of <see cref="SecureAggregationSettings"/>: no per-site result ever leaves.</summary>
    PooledOnly,
}

/// <summary>
/// The policy's <c>secure_aggregation</c> block (docs/secure-aggregation.md): the peers this hospital agrees to be
/// summed with — their names and the pins of their long-term aggregation keys, exchanged between hospitals out of
/// band — and the smallest cohort it joins. Absent: the node takes part in no secure sum.
/// </summary>
public sealed record SecureAggregationSettings
{
    public const int DefaultMinimumCohortSize = 3;

    /// <summary>The fewest members (this node included) of a cohort the node joins.</summary>
    public int MinimumCohortSize { get; init; } = DefaultMinimumCohortSize;

    /// <summary>Peer node name → pin (lowercase hex SHA-256 of its aggregation key's SubjectPublicKeyInfo).</summary>
    public IReadOnlyDictionary<string, string> Peers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Reads a dataset's <c>release</c> and the policy's <c>secure_aggregation</c> block, every error with its line.</summary>
internal static class AggregationPolicyReader
{
    public const string Field = "secure_aggregation";
    private static readonly string[] Fields = ["minimum_cohort_size", "peers"];
    private static readonly string[] PeerFields = ["name", "pin"];

    public static DatasetRelease ReadRelease(NodeConfigLoader.MappingReader dataset)
    {
        var text = dataset.String("release", required: false);
        switch (text)
        {
            case null or "per_site":
                return DatasetRelease.PerSite;
            case "pooled_only":
                return DatasetRelease.PooledOnly;
            default:
                dataset.AddError("release", $"'{text}' is not understood: write per_site (each run releases this site's result) or pooled_only (only into a secure sum with the peers of secure_aggregation)");
                return DatasetRelease.PerSite;
        }
    }

    /// <returns>The settings, or null when the block is absent or in error (recorded).</returns>
    public static SecureAggregationSettings? Read(NodeConfigLoader.MappingReader top)
    {
        var block = top.Mapping(Field, required: false);
        if (block is null)
        {
            return null;
        }

        block.RejectUnknown(Fields);
        var minimum = block.Integer("minimum_cohort_size", min: 3, max: 10_000) ?? SecureAggregationSettings.DefaultMinimumCohortSize;
        var peers = new Dictionary<string, string>(StringComparer.Ordinal);
        var items = block.Sequence("peers", required: true) ?? [];
        foreach (var item in block.MappingItems("peers", items, "must be a mapping with name and pin", PeerFields))
        {
            var name = item.String("name", required: true);
            var pin = item.String("pin", required: true);
            if (name is null || pin is null)
            {
                continue;
            }

            var normalized = PolicyLoader.NormalizeSha256(pin);
            if (normalized is null)
            {
                item.AddError("pin", $"'{pin}' is not a pin: 64 hex digits, the SHA-256 of the peer's aggregation key ('partages-node aggregation-key' prints it)");
            }
            else if (!peers.TryAdd(name, normalized))
            {
                item.AddError("name", $"peer '{name}' is listed twice");
            }
        }

        if (peers.Count + 1 < minimum)
        {
            block.AddError("peers", $"lists {peers.Count} peer(s), so no cohort could reach minimum_cohort_size {minimum} (this node included)");
        }

        return new SecureAggregationSettings { MinimumCohortSize = minimum, Peers = peers };
    }

    /// <summary>The library's view of the settings.</summary>
    public static Partages.SecureAggregation.Protocol.AggregationPolicy ToProtocol(SecureAggregationSettings settings) =>
        new(settings.MinimumCohortSize, settings.Peers);

    /// <summary>True when <paramref name="pin"/> is the pin of <paramref name="publicKey"/> (used by the CLI's check).</summary>
    public static bool Matches(string pin, byte[] publicKey) => PeerPin.Matches(pin, publicKey);
}
