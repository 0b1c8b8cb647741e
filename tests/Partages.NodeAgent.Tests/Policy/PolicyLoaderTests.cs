namespace Partages.NodeAgent.Tests.Policy;

public sealed class PolicyLoaderTests
{
    private static readonly string Snapshot = new('a', 64);

    private static NodeConfig Config { get; } = new()
    {
        Name = "chu-test",
        CoordinatorUrl = new Uri("https://127.0.0.1:7443"),
        DataDirectory = "/tmp/node-data",
        Datasets = [new DatasetDefinition("amr-reports", "/tmp/amr.jsonl", "jsonl"), new DatasetDefinition("onco", "/tmp/onco.jsonl", "jsonl")],
        SourcePath = "/etc/partages/node.yaml",
    };

    [Test]
    public void Parse_CompletePolicy_MapsEveryField()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = key.ExportSubjectPublicKeyInfoPem();
        var yaml = $"""
            version: 1
            datasets:
              - name: amr-reports
                snapshot_sha256: "sha256:{Snapshot.ToUpperInvariant()}"
                legal_basis: "Convention CHU-2024-17"
                differential_privacy:
                  epsilon_budget: 10
                  epsilon_per_release: 0.5
                  delta: 1e-7
                  max_entities_per_report: 4
                  max_words_per_report: 300
                max_model_runs: 25
            models:
              trusted_signers:
                - name: equipe-ia
                  public_key: |
            {Indent(pem, 8)}
              pinned_bundles: ["{new string('b', 64)}"]
            tasks: [single_label_classification]
            specs: [amr-resistance-detection]
            approval: auto
            limits: {"{"}max_concurrent_runs: 2, run_timeout_minutes: 30, memory_limit_mb: 2048, max_payload_bytes: 65536{"}"}
            release: {"{"}min_dataset_documents: 50{"}"}
            """;

        var result = PolicyLoader.Parse(yaml, "/etc/partages/policy.yaml", Config);

        result.Errors.Should().BeEmpty();
        var policy = result.Policy!;
        policy.Datasets.Should().ContainSingle().Which.Should().BeEquivalentTo(new DatasetPolicy
        {
            Name = "amr-reports",
            SnapshotSha256 = Snapshot,
            LegalBasis = "Convention CHU-2024-17",
            DifferentialPrivacy = new DifferentialPrivacyPolicy { EpsilonBudget = 10, EpsilonPerRelease = 0.5, Delta = 1e-7, MaxEntitiesPerReport = 4, MaxWordsPerReport = 300 },
            MaxModelRuns = 25,
        });
        policy.Models.TrustedSigners.Should().ContainSingle().Which.Name.Should().Be("equipe-ia");
        policy.Models.PinnedBundles.Should().Equal(new string('b', 64));
        policy.Tasks.Should().Equal("single_label_classification");
        policy.Specs.Should().Equal("amr-resistance-detection");
        policy.Approval.Should().Be(ApprovalMode.Auto);
        policy.Limits.Should().Be(new RunLimits { MaxConcurrentRuns = 2, RunTimeoutMinutes = 30, MemoryLimitMb = 2048, MaxPayloadBytes = 65536 });
        policy.Release.Should().Be(new ReleasePolicy { MinDatasetDocuments = 50 });
        policy.SourceSha256.Should().MatchRegex("^[0-9a-f]{64}$");
    }

    [Test]
    public void Parse_MinimalPolicy_SafeDefaults()
    {
        var result = PolicyLoader.Parse($"datasets: [{{name: amr-reports, snapshot_sha256: {Snapshot}, legal_basis: DUA-1}}]\ntasks: []\n", "/p.yaml", Config);

        result.Errors.Should().BeEmpty();
        result.Policy!.Approval.Should().Be(ApprovalMode.Manual, "a person approves unless the hospital says otherwise");
        result.Policy.Tasks.Should().BeEmpty();
        var dataset = result.Policy.Datasets.Single();
        dataset.DifferentialPrivacy.Should().Be(DifferentialPrivacyPolicy.Default, "privacy is on unless the policy says off");
        dataset.DifferentialPrivacy.Enabled.Should().BeTrue();
        dataset.MaxModelRuns.Should().Be(DatasetPolicy.DefaultMaxModelRuns);
    }

    [Test]
    public void Parse_EveryKindOfMistake_ListsEachWithItsLine()
    {
        const string yaml = """
            datasets:
              - name: not-in-node-yaml
                snapshot_sha256: 1234
                legal_basis: ""
                differential_privacy: {epsilon_budget: 1, epsilon_per_release: 2}
            models:
              trusted_signers:
                - name: x
                  public_key: not a key
              pinned_bundles: [xyz]
            tasks: [summarization]
            approval: sometimes
            limits: {max_concurrent_runs: 0}
            release: {min_cell_count: 0}
            colour: blue
            """;

        var result = PolicyLoader.Parse(yaml, "/p.yaml", Config);

        result.IsValid.Should().BeFalse();
        result.Errors.Select(e => e.Field).Should().BeEquivalentTo(
            "datasets[0].name",
            "datasets[0].snapshot_sha256",
            "datasets[0].legal_basis",
            "datasets[0].differential_privacy.epsilon_per_release",
            "models.trusted_signers[0].public_key",
            "models.pinned_bundles",
            "tasks",
            "approval",
            "limits.max_concurrent_runs",
            "release.min_cell_count",
            "colour");
        result.Errors.Should().OnlyContain(e => e.Line > 0);
        result.Errors.Single(e => e.Field == "datasets[0].name").Line.Should().Be(2);
        result.Errors.Single(e => e.Field == "datasets[0].snapshot_sha256").Message.Should().Contain("check");
    }

    [TestCase("differential_privacy: off", true)]
    [TestCase("differential_privacy: {epsilon_budget: 5, epsilon_per_release: 1}", true)]
    public void Parse_PrivacyLines_Accepted(string line, bool valid)
    {
        var result = PolicyLoader.Parse(Dataset(line), "/p.yaml", Config);

        result.Errors.Should().BeEmpty();
        result.IsValid.Should().Be(valid);
        result.Policy!.Datasets.Single().DifferentialPrivacy.Enabled.Should().Be(line != "differential_privacy: off");
    }

    [TestCase("differential_privacy: {epsilon_budget: 5}", "epsilon_per_release", "required")]
    [TestCase("differential_privacy: {epsilon_per_release: 1}", "epsilon_budget", "required")]
    [TestCase("differential_privacy: {epsilon_budget: 0.5, epsilon_per_release: 1}", "epsilon_per_release", "not even one release")]
    [TestCase("differential_privacy: {epsilon_budget: 5, epsilon_per_release: 1, max_entities_per_report: 0}", "max_entities_per_report", "outside 1..1000")]
    [TestCase("differential_privacy: {epsilon_budget: 5, epsilon_per_release: 1, max_words_per_report: 0}", "max_words_per_report", "outside 1..100000")]
    [TestCase("differential_privacy: {epsilon_budget: 5, epsilon_per_run: 1}", "epsilon_per_run", "renamed epsilon_per_release")]
    [TestCase("differential_privacy: false", "differential_privacy", "'off'")]
    [TestCase("differential_privacy:", "differential_privacy", "'off'")]
    [TestCase("differential_privacy: {epsilon_budget: 5, epsilon_per_release: 50}", "epsilon_per_release", "outside")]
    public void Parse_BadPrivacyLine_RefusedWithItsLineAndWhy(string line, string field, string why)
    {
        var result = PolicyLoader.Parse(Dataset(line), "/p.yaml", Config);

        result.IsValid.Should().BeFalse();
        var error = result.Errors.Should().ContainSingle(e => e.Field.EndsWith(field, StringComparison.Ordinal)).Subject;
        error.Line.Should().Be(5, "the error points at the privacy line");
        error.Message.Should().Contain(why);
    }

    [Test]
    public void Parse_MinCellCount_RefusedSayingKSuppressionWasRemoved()
    {
        var result = PolicyLoader.Parse(Dataset("max_model_runs: 3") + "release: {min_cell_count: 5}\n", "/p.yaml", Config);

        result.IsValid.Should().BeFalse();
        result.Errors.Should().ContainSingle().Which.Message.Should().Contain("removed").And.Contain("differential_privacy");
    }

    private static string Dataset(string line) => $"""
        datasets:
          - name: amr-reports
            snapshot_sha256: {Snapshot}
            legal_basis: DUA-1
            {line}
        tasks: [single_label_classification]

        """;

    [Test]
    public void LoadFor_NodeYamlNamesNoPolicy_ErrorSaysToAddOne()
    {
        var result = PolicyLoader.LoadFor(Config);

        result.IsValid.Should().BeFalse();
        result.Errors.Should().ContainSingle().Which.Message.Should().Contain("policy: ./policy.yaml");
    }

    [Test]
    public void Parse_ExampleFile_IsValidForTheExampleNode()
    {
        var node = NodeConfigLoader.LoadFile(Path.Combine(RepositoryFiles.Root, "node-agent", "node.example.yaml"));
        node.Errors.Should().BeEmpty();

        node.Config!.PolicyPath.Should().Be(Path.Combine(RepositoryFiles.Root, "node-agent", "policy.yaml"), "relative to node.yaml");

        var result = PolicyLoader.LoadFile(Path.Combine(RepositoryFiles.Root, "node-agent", "policy.example.yaml"), node.Config);

        result.Errors.Should().BeEmpty();
        result.Policy!.Datasets.Should().NotBeEmpty();
    }

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.TrimEnd().Split('\n').Select(l => new string(' ', spaces) + l));
}
