using Partages.Evaluation.Privacy;

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

    /// <summary>The peers and minimum cohort of secure sums (policy <c>secure_aggregation</c>); null: the node joins none.</summary>
    public SecureAggregationSettings? SecureAggregation { get; init; }

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

/// <summary>One exposed dataset: a fixed snapshot, the legal basis covering it, its privacy budget and query allowance.</summary>
public sealed record DatasetPolicy
{
    /// <summary>Model runs a dataset allows over its lifetime when the policy does not say.</summary>
    public const int DefaultMaxModelRuns = 100;

    /// <summary>The dataset's name in node.yaml.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the snapshot's bytes; the node refuses to evaluate a file that no longer matches.</summary>
    public required string SnapshotSha256 { get; init; }

    /// <summary>The data-use agreement or legal basis covering this use, recorded with every job in the audit log.</summary>
    public required string LegalBasis { get; init; }

    /// <summary>Differential privacy for this dataset: on with safe defaults unless the policy says <c>off</c> explicitly.</summary>
    public DifferentialPrivacyPolicy DifferentialPrivacy { get; init; } = DifferentialPrivacyPolicy.Default;

    /// <summary>
    /// The query allowance: how many times a model may ever run on this dataset (counted at admission, before the
    /// download, whether or not the run releases anything). Every run is a question asked of the data, and without
    /// differential privacy nothing else bounds how many are asked.
    /// </summary>
    public int MaxModelRuns { get; init; } = DefaultMaxModelRuns;

    /// <summary>Policy key <c>release</c>: <c>per_site</c> (default) or <c>pooled_only</c> (only into a secure sum).</summary>
    public DatasetRelease Release { get; init; } = DatasetRelease.PerSite;
}

/// <summary>
/// Differential privacy of one dataset (docs/adr/0006-differential-privacy-by-default.md): the discrete Gaussian
/// mechanism accounted in zero-concentrated DP, reported as (ε, δ). <see cref="EpsilonPerRelease"/> is what one
/// release alone costs; <see cref="EpsilonBudget"/> bounds everything ever released from the dataset (it never
/// renews: raising it is a policy edit, audited and reported by <c>check</c>).
/// </summary>
public sealed record DifferentialPrivacyPolicy
{
    public const double DefaultEpsilonPerRelease = 1.0;
    public const double DefaultEpsilonBudget = 10.0;
    public const double DefaultDelta = 1e-6;
    public const int DefaultMaxEntitiesPerReport = 10;
    public const int DefaultMaxWordsPerReport = 500;

    /// <summary>Differential privacy with the defaults above: what a dataset gets when its policy says nothing.</summary>
    public static DifferentialPrivacyPolicy Default { get; } = new();

    /// <summary>Exact counts: only by an explicit <c>differential_privacy: off</c>, which <c>check</c> warns about.</summary>
    public static DifferentialPrivacyPolicy Off { get; } = new() { Enabled = false };

    public bool Enabled { get; init; } = true;

    /// <summary>ε (at <see cref="Delta"/>) of one released result on its own.</summary>
    public double EpsilonPerRelease { get; init; } = DefaultEpsilonPerRelease;

    /// <summary>ε (at <see cref="Delta"/>) of everything released from this dataset, composed in zCDP.</summary>
    public double EpsilonBudget { get; init; } = DefaultEpsilonBudget;

    /// <summary>δ at which ε is stated.</summary>
    public double Delta { get; init; } = DefaultDelta;

    /// <summary>
    /// m: entity recognition counts at most this many gold and this many predicted entities per report and entity
    /// type (the rest are clipped and the reports clipped are counted), so one report's weight is bounded.
    /// </summary>
    public int MaxEntitiesPerReport { get; init; } = DefaultMaxEntitiesPerReport;

    /// <summary>
    /// W: entity recognition's word-level tag agreement counts only each report's first W words (and the report as
    /// clipped when it had more), so one report moves the word counts by at most W.
    /// </summary>
    public int MaxWordsPerReport { get; init; } = DefaultMaxWordsPerReport;

    /// <summary>zCDP ρ one release charges: the largest ρ whose ε at <see cref="Delta"/> is within <see cref="EpsilonPerRelease"/>.</summary>
    public double RhoPerRelease => Zcdp.RhoFor(EpsilonPerRelease, Delta);

    /// <summary>The lifetime budget in zCDP: the largest total ρ whose ε at <see cref="Delta"/> is within <see cref="EpsilonBudget"/>.</summary>
    public double RhoBudget => Zcdp.RhoFor(EpsilonBudget, Delta);
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
    /// <summary>
    /// A dataset whose snapshot has fewer lines than this is refused at admission, before any model runs. The line
    /// count, not the evaluated documents: under the replace-one relation the lines are public, the evaluated count
    /// is not, so the refusal says nothing about any report.
    /// </summary>
    public int MinDatasetDocuments { get; init; } = 20;
}
