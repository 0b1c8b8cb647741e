namespace Partages.NodeAgent.Tests.Policy;

/// <summary>Policies for tests: by default one that lets every dataset of the node, every task and spec through.</summary>
public static class TestPolicies
{
    /// <summary>The fingerprint <see cref="Infrastructure.FakeEngine"/> reports for every dataset.</summary>
    public static string FakeFingerprint { get; } = new('f', 64);

    public static NodePolicy AllowAll(NodeConfig config, ApprovalMode approval = ApprovalMode.Auto) => new()
    {
        // Exact counts, so tests of the session's mechanics can compare payloads byte for byte; the release gate's own
        // tests (ReleaseGate/) and WithDifferentialPrivacy cover the default, noised path.
        Datasets = [.. config.Datasets.Select(d => new DatasetPolicy { Name = d.Name, SnapshotSha256 = FakeFingerprint, LegalBasis = "test agreement", DifferentialPrivacy = DifferentialPrivacyPolicy.Off })],
        Tasks = TaskTypes.All,
        Models = new ModelPolicy { TrustedSigners = [Infrastructure.TestSigner.Trusted] },
        Approval = approval,
        Limits = new RunLimits { MaxConcurrentRuns = 64 },
        Release = new ReleasePolicy { MinDatasetDocuments = 1 },
        SourcePath = config.SourcePath,
        SourceSha256 = new string('0', 64),
    };
}
