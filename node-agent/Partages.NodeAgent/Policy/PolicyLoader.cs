using System.Security.Cryptography;
using Partages.Evaluation;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Tasks;
using Partages.Trust;

namespace Partages.NodeAgent.Policy;

/// <summary>A policy, or every problem that kept it from being one (each with its line).</summary>
public sealed record PolicyLoadResult(NodePolicy? Policy, IReadOnlyList<YamlError> Errors)
{
    public bool IsValid => Policy is not null && Errors.Count == 0;

    public string Describe() => string.Join(Environment.NewLine, Errors);
}

/// <summary>
/// Reads policy.yaml (node-agent/policy.example.yaml documents every field) against the node's configuration and
/// reports every problem at once with its line, as <see cref="NodeConfigLoader"/> does for node.yaml.
/// </summary>
public static class PolicyLoader
{
    private static readonly string[] RootFields = ["version", "datasets", "models", "tasks", "specs", "approval", "limits", "release", AggregationPolicyReader.Field];
    private static readonly string[] DatasetFields = ["name", "snapshot_sha256", "legal_basis", "differential_privacy", "max_model_runs", "release"];
    private static readonly string[] PrivacyFields = ["epsilon_per_release", "epsilon_budget", "delta", "max_entities_per_report", "max_words_per_report"];
    private static readonly string[] ModelFields = ["trusted_signers", "pinned_bundles"];
    private static readonly string[] SignerFields = ["name", "public_key"];
    private static readonly string[] LimitFields = ["max_concurrent_runs", "run_timeout_minutes", "memory_limit_mb", "max_payload_bytes"];
    private static readonly string[] ReleaseFields = ["min_dataset_documents"];

    /// <summary>Loads the policy named by node.yaml's <c>policy</c> field.</summary>
    public static PolicyLoadResult LoadFor(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.PolicyPath is null
            ? new PolicyLoadResult(null, [new YamlError(0, 0, "policy", $"{config.SourcePath} names no policy file; add 'policy: ./policy.yaml' ({ExampleFiles.Policy} documents it). The agent runs no job without a policy")])
            : LoadFile(config.PolicyPath, config);
    }

    public static PolicyLoadResult LoadFile(string path, NodeConfig config)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new PolicyLoadResult(null, [new YamlError(0, 0, "policy", $"cannot read '{fullPath}': {ex.Message}")]);
        }

        return Parse(System.Text.Encoding.UTF8.GetString(bytes), fullPath, config, ContentHash.Of(bytes));
    }

    /// <param name="sourceSha256">SHA-256 of the file's bytes (recorded in the audit log); computed from the text when null.</param>
    public static PolicyLoadResult Parse(string yaml, string sourcePath, NodeConfig config, string? sourceSha256 = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<YamlError>();
        if (NodeConfigLoader.MappingReader.ForRoot(yaml, "policy", ExampleFiles.Policy, errors) is not { } top)
        {
            return new PolicyLoadResult(null, errors);
        }

        top.RejectUnknown(RootFields);
        var version = top.Integer("version", min: NodePolicy.CurrentVersion, max: NodePolicy.CurrentVersion) ?? NodePolicy.CurrentVersion;
        var datasets = ReadDatasets(top, config);
        var models = ReadModels(top);
        var tasks = ReadTasks(top);
        var specs = top.Texts("specs", required: false)?.Select(t => t.Text).ToList() ?? [];
        var approval = ReadApproval(top);
        var limits = ReadLimits(top);
        var release = ReadRelease(top);
        var aggregation = AggregationPolicyReader.Read(top);
        if (aggregation is null && datasets.Any(d => d.Release == DatasetRelease.PooledOnly))
        {
            top.AddError(AggregationPolicyReader.Field, "is missing, but a dataset says release: pooled_only; list the peers this node may be summed with (docs/node-agent.md)");
        }

        if (errors.Count > 0)
        {
            return new PolicyLoadResult(null, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        return new PolicyLoadResult(
            new NodePolicy
            {
                Version = version,
                Datasets = datasets,
                Models = models,
                Tasks = tasks,
                Specs = specs,
                Approval = approval,
                Limits = limits,
                Release = release,
                SecureAggregation = aggregation,
                SourcePath = Path.GetFullPath(sourcePath),
                SourceSha256 = sourceSha256 ?? ContentHash.Of(yaml),
            },
            []);
    }

    /// <summary>Accepts what people paste: lowercase or uppercase hex, with a <c>sha256:</c> prefix or ':' separators.</summary>
    public static string? NormalizeSha256(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Sha256Text.Normalize(text);
    }

    /// <summary>Null when the PEM holds an ECDSA P-256 public key (SubjectPublicKeyInfo); else why not.</summary>
    public static string? CheckSignerKey(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            var curve = key.ExportParameters(includePrivateParameters: false).Curve;
            return curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value || curve.Oid?.FriendlyName is "nistP256" or "ECDSA_P256"
                ? null
                : "is not an ECDSA P-256 key";
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return "is not a PEM public key (-----BEGIN PUBLIC KEY----- … ECDSA P-256)";
        }
    }

    private static List<DatasetPolicy> ReadDatasets(NodeConfigLoader.MappingReader top, NodeConfig config)
    {
        var result = new List<DatasetPolicy>();
        var items = top.Sequence("datasets", required: true);
        if (items is null)
        {
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in top.MappingItems("datasets", items, "must be a mapping with name, snapshot_sha256 and legal_basis", DatasetFields))
        {
            var name = item.String("name", required: true);
            var snapshotText = item.String("snapshot_sha256", required: true);
            var problems = PolicyValidator.Dataset(name, snapshotText, config, seen).ToList();
            item.AddErrors(problems);
            var snapshot = snapshotText is null ? null : NormalizeSha256(snapshotText);

            var legalBasis = item.String("legal_basis", required: true);
            var privacy = PrivacyPolicyReader.Read(item);
            var maxRuns = item.Integer("max_model_runs", min: 1, max: 1_000_000) ?? DatasetPolicy.DefaultMaxModelRuns;
            var datasetRelease = AggregationPolicyReader.ReadRelease(item);

            if (name is not null && snapshot is not null && legalBasis is not null && problems.Count == 0)
            {
                result.Add(new DatasetPolicy
                {
                    Name = name,
                    SnapshotSha256 = snapshot,
                    LegalBasis = legalBasis.Trim(),
                    DifferentialPrivacy = privacy ?? DifferentialPrivacyPolicy.Default,
                    MaxModelRuns = maxRuns,
                    Release = datasetRelease,
                });
            }
        }

        return result;
    }

    private static ModelPolicy ReadModels(NodeConfigLoader.MappingReader top)
    {
        var models = top.Mapping("models", required: false);
        if (models is null)
        {
            return new ModelPolicy();
        }

        models.RejectUnknown(ModelFields);
        var signers = new List<TrustedSigner>();
        var items = models.Sequence("trusted_signers", required: false) ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in models.MappingItems("trusted_signers", items, "must be a mapping with name and public_key", SignerFields))
        {
            var name = item.String("name", required: true);
            var key = item.String("public_key", required: true);
            var problems = PolicyValidator.Signer(name, key, names).ToList();
            item.AddErrors(problems);

            if (name is not null && key is not null && problems.Count == 0)
            {
                signers.Add(new TrustedSigner { Name = name, PublicKeyPem = key.Trim() });
            }
        }

        var pinned = new List<string>();
        foreach (var (text, node) in models.Texts("pinned_bundles", required: false) ?? [])
        {
            if (NormalizeSha256(text) is { } hash)
            {
                pinned.Add(hash);
            }
            else
            {
                models.AddErrorAt(node, "models.pinned_bundles", $"'{text}' is not a SHA-256 (64 hex digits)");
            }
        }

        return new ModelPolicy { TrustedSigners = signers, PinnedBundles = pinned.Distinct(StringComparer.Ordinal).ToList() };
    }

    private static List<string> ReadTasks(NodeConfigLoader.MappingReader top)
    {
        var tasks = new List<string>();
        foreach (var (text, node) in top.Texts("tasks", required: true) ?? [])
        {
            if (TaskRegistry.IsKnown(text))
            {
                tasks.Add(text);
            }
            else
            {
                top.AddErrorAt(node, "tasks", $"'{text}' is not a task type (known: {string.Join(", ", TaskRegistry.Names)})");
            }
        }

        return tasks;
    }

    private static ApprovalMode ReadApproval(NodeConfigLoader.MappingReader top)
    {
        var text = top.String("approval", required: false);
        if (text is null)
        {
            return ApprovalMode.Manual;
        }

        var problems = PolicyValidator.Approval(text).ToList();
        if (problems.Count > 0)
        {
            top.AddErrors(problems);
            return ApprovalMode.Manual;
        }

        return text == "auto" ? ApprovalMode.Auto : ApprovalMode.Manual;
    }

    private static RunLimits ReadLimits(NodeConfigLoader.MappingReader top)
    {
        var defaults = new RunLimits();
        var limits = top.Mapping("limits", required: false);
        if (limits is null)
        {
            return defaults;
        }

        limits.RejectUnknown(LimitFields);
        return new RunLimits
        {
            MaxConcurrentRuns = limits.Integer("max_concurrent_runs", min: 1, max: 64) ?? defaults.MaxConcurrentRuns,
            RunTimeoutMinutes = limits.Integer("run_timeout_minutes", min: 1, max: 7 * 24 * 60) ?? defaults.RunTimeoutMinutes,
            MemoryLimitMb = limits.Integer("memory_limit_mb", min: 256, max: 1024 * 1024) ?? defaults.MemoryLimitMb,
            MaxPayloadBytes = limits.Integer("max_payload_bytes", min: 1024, max: 64 * 1024 * 1024) ?? defaults.MaxPayloadBytes,
        };
    }

    private static ReleasePolicy ReadRelease(NodeConfigLoader.MappingReader top)
    {
        var defaults = new ReleasePolicy();
        var release = top.Mapping("release", required: false);
        if (release is null)
        {
            return defaults;
        }

        if (release.Node("min_cell_count") is { } k)
        {
            // Refused rather than ignored, so nobody believes small cells are still hidden this way.
            release.AddErrorAt(k, release.Prefix + "min_cell_count", "was removed: k-suppression released small counts as 0 and printed figures computed from those zeros, and did not stop a model built to single out one report. Differential privacy (each dataset's 'differential_privacy', on by default) now protects every release; delete this line (docs/release-gate.md)");
        }

        release.RejectUnknown([.. ReleaseFields, "min_cell_count"]);
        return new ReleasePolicy
        {
            MinDatasetDocuments = release.Integer("min_dataset_documents", min: 1, max: int.MaxValue) ?? defaults.MinDatasetDocuments,
        };
    }
}
