namespace Partages.NodeAgent.Policy;

/// <summary>
/// What the hospital allows (policy.yaml, validated at start with every error listed; node-agent/policy.example.yaml
/// documents every field). Immutable: the agent reads it once; a change means a restart, recorded in the audit log.
/// </summary>
public sealed record NodePolicy
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>The datasets exposed to the federation; a dataset of node.yaml not listed here is not evaluable.</summary>
    public required IReadOnlyList<DatasetPolicy> Datasets { get; init; }

    public ModelPolicy Models { get; init; } = new();

    /// <summary>Task types allowed (e.g. single_label_classification). Empty: none is allowed.</summary>
    public required IReadOnlyList<string> Tasks { get; init; }

    /// <summary>Spec names allowed; empty means any spec whose task and dataset are allowed.</summary>
    public IReadOnlyList<string> Specs { get; init; } = [];

    public ApprovalMode Approval { get; init; } = ApprovalMode.Manual;

    public RunLimits Limits { get; init; } = new();

    public ReleasePolicy Release { get; init; } = new();

    /// <summary>The file this policy was read from (absolute).</summary>
    public string SourcePath { get; init; } = "";

    /// <summary>SHA-256 of the policy file's bytes, recorded in the audit log (policy_loaded) at each start.</summary>
    public string SourceSha256 { get; init; } = "";

    public bool AllowsTask(string task) => Tasks.Contains(task, StringComparer.Ordinal);

    /// <summary>True when <see cref="Specs"/> is empty (any spec) or names this spec.</summary>
    public bool AllowsSpec(string specName) => Specs.Count == 0 || Specs.Contains(specName, StringComparer.Ordinal);

    public DatasetPolicy? FindDataset(string name) =>
        Datasets.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
}

/// <summary>One exposed dataset: a fixed snapshot, the legal basis covering it, and its privacy budget.</summary>
public sealed record DatasetPolicy
{
    /// <summary>The dataset's name in node.yaml.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the snapshot's bytes; the node refuses to evaluate a file that no longer matches.</summary>
    public required string SnapshotSha256 { get; init; }

    /// <summary>The data-use agreement or legal basis covering this use, recorded with every job in the audit log.</summary>
    public required string LegalBasis { get; init; }

    /// <summary>Optional differential privacy for this dataset; null: exact counts (after k suppression).</summary>
    public DifferentialPrivacyPolicy? DifferentialPrivacy { get; init; }
}

public sealed record DifferentialPrivacyPolicy
{
    /// <summary>Total ε this dataset may spend over its lifetime; once spent, jobs on it are refused.</summary>
    public required double EpsilonBudget { get; init; }

    /// <summary>ε spent by one released result.</summary>
    public required double EpsilonPerRun { get; init; }
}

/// <summary>Which bundles may run: signed by a trusted signer, or pinned by SHA-256. Both empty: nothing runs.</summary>
public sealed record ModelPolicy
{
    public IReadOnlyList<TrustedSigner> TrustedSigners { get; init; } = [];

    /// <summary>Bundle SHA-256s allowed even without a trusted signature.</summary>
    public IReadOnlyList<string> PinnedBundles { get; init; } = [];
}

/// <summary>An evaluator's public key (ECDSA P-256, SubjectPublicKeyInfo PEM) and the name shown in the audit log.</summary>
public sealed record TrustedSigner
{
    public required string Name { get; init; }

    public required string PublicKeyPem { get; init; }
}

public enum ApprovalMode
{
    /// <summary>Jobs allowed by the policy run at once.</summary>
    Auto,

    /// <summary>Jobs wait for a person: <c>jobs approve ID</c> before the run, and the payload is shown before it leaves.</summary>
    Manual,
}

public sealed record RunLimits
{
    public int MaxConcurrentRuns { get; init; } = 1;

    /// <summary>A run still going after this is stopped and failed.</summary>
    public int RunTimeoutMinutes { get; init; } = 60;

    /// <summary>Address-space limit of the inference worker process.</summary>
    public int MemoryLimitMb { get; init; } = 4096;

    /// <summary>A released payload larger than this is not sent.</summary>
    public int MaxPayloadBytes { get; init; } = 1024 * 1024;
}

public sealed record ReleasePolicy
{
    /// <summary>k: no released cell may derive from fewer than this many documents (0 and below k are suppressed or merged).</summary>
    public int MinCellCount { get; init; } = 5;

    /// <summary>A dataset with fewer evaluable documents than this is refused.</summary>
    public int MinDatasetDocuments { get; init; } = 20;
}
