using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Partages.Evaluation.Results;

/// <summary>
/// What a pooled result was computed from, so it can be reproduced and checked: the spec and bundle hashes, the
/// coordinator's version, and per included site the dataset snapshot's fingerprint and the agent and ONNX Runtime
/// versions that ran it. The coordinator writes it as the pooled document's <c>manifest</c> member
/// (docs/results-schema.md, "Reproducibility manifest"); a separate member, so the metrics' schema is unchanged and a
/// reader that does not know it ignores it. Apart from <see cref="EvaluationId"/> and the sites' run ids, a re-run of
/// the same spec and bundle on the same snapshots has the same manifest.
/// </summary>
public sealed record ReproducibilityManifest
{
    public const string CurrentSchema = "partages.manifest/v1";

    /// <summary>The pooled document's member that holds the manifest.</summary>
    public const string MemberName = "manifest";

    public string Schema { get; init; } = CurrentSchema;

    public required string EvaluationId { get; init; }

    /// <summary>SHA-256 of the spec's YAML exactly as submitted.</summary>
    public required string SpecSha256 { get; init; }

    /// <summary>SHA-256 of the model bundle's bytes (what every node checked before loading it).</summary>
    public required string ModelBundleSha256 { get; init; }

    public required string CoordinatorVersion { get; init; }

    /// <summary>
    /// The spec's robustness suite, each perturbation with its parameters and seed: what every node applied before
    /// inference, so the perturbed reports can be rebuilt from the manifest alone; absent when the spec lists none.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ManifestPerturbation>? Robustness { get; init; }

    /// <summary>The included sites, by name in ordinal order: the sites whose results are pooled.</summary>
    public required IReadOnlyDictionary<string, SiteManifest> Sites { get; init; }

    /// <summary>Adds (or replaces) the <c>manifest</c> member of a pooled results document; the rest is kept as it is.</summary>
    public static string AttachTo(string pooledJson, ReproducibilityManifest manifest) =>
        AttachTo(Encoding.UTF8.GetBytes(pooledJson), manifest);

    /// <summary>
    /// The pooled document with its manifest, serialized once: the document's members are copied from a read-only
    /// <see cref="JsonDocument"/> and the manifest is written last. (Building a <see cref="JsonNode"/> tree of the
    /// whole document, several MB at 1,000 sites, cost the coordinator more than the pooling itself.)
    /// </summary>
    public static string AttachTo(PooledResultDocument pooled, ReproducibilityManifest manifest) =>
        AttachTo(JsonSerializer.SerializeToUtf8Bytes(pooled, ResultJson.Options), manifest);

    private static string AttachTo(byte[] pooledUtf8, ReproducibilityManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var document = JsonDocument.Parse(pooledUtf8);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("The pooled results document is not a JSON object.");
        }

        var options = ResultJson.Options;
        var buffer = new ArrayBufferWriter<byte>(pooledUtf8.Length + 4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = options.WriteIndented,
            IndentCharacter = options.IndentCharacter,
            IndentSize = options.IndentSize,
            NewLine = options.NewLine,
            Encoder = options.Encoder,
        }))
        {
            writer.WriteStartObject();
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (!member.NameEquals(MemberName))
                {
                    member.WriteTo(writer);
                }
            }

            writer.WritePropertyName(MemberName);
            JsonSerializer.Serialize(writer, manifest, options);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The manifest of a pooled results document, or null when it has none (written before manifests existed).</summary>
    /// <exception cref="InvalidDataException">The member is there but is not a manifest of the supported schema.</exception>
    public static ReproducibilityManifest? ReadFrom(string pooledJson)
    {
        using var document = JsonDocument.Parse(pooledJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty(MemberName, out var member)
            || member.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        ReproducibilityManifest? manifest;
        try
        {
            manifest = member.Deserialize<ReproducibilityManifest>(ResultJson.Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a reproducibility manifest: {ex.Message}", ex);
        }

        return manifest is { Schema: CurrentSchema }
            ? manifest
            : throw new InvalidDataException($"Not a reproducibility manifest of schema '{CurrentSchema}'.");
    }
}

/// <summary>One perturbation of the <see cref="ReproducibilityManifest"/>: its name with parameters (as results name it), kind, parameters and seed.</summary>
public sealed record ManifestPerturbation(string Perturbation, string Kind, IReadOnlyDictionary<string, string> Parameters, long Seed);

/// <summary>
/// One site's part of the <see cref="ReproducibilityManifest"/>: the node sends it with its result (it holds no
/// patient data: the fingerprint is the one the hospital's policy pins). Null members: the node did not say.
/// </summary>
public sealed record SiteManifest
{
    public required string RunId { get; init; }

    /// <summary>The node-local dataset name the run read.</summary>
    public string? Dataset { get; init; }

    /// <summary>SHA-256 of the dataset snapshot the run read.</summary>
    public string? DatasetFingerprint { get; init; }

    public string? AgentVersion { get; init; }

    public string? OnnxruntimeVersion { get; init; }

    /// <summary>SHA-256 of the released payload as stored (what the node's audit trail recorded).</summary>
    public required string ResultSha256 { get; init; }
}
