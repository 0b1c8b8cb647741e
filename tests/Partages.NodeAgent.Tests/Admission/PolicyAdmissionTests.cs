namespace Partages.NodeAgent.Tests.Admission;

/// <summary>
/// Each refusal of the node policy, through the real agent and the fake coordinator: refused before anything is
/// downloaded, the coordinator told only "refused by this node's policy", the reason in the audit line.
/// </summary>
public sealed class PolicyAdmissionTests : FakeCoordinatorFixture
{
    [Test]
    public async Task Offer_DatasetBelowMinimumSize_RejectedWithoutDownload()
    {
        Engine.DocumentCounts["amr-reports"] = 19;

        var reason = await RejectionOfAsync(config => TestPolicies.AllowAll(config) with { Release = new ReleasePolicy { MinDatasetDocuments = 20 } });

        reason.Should().Be("dataset 'amr-reports' has fewer documents than this node's minimum for an evaluation (20)");
        reason.Should().NotContain("19", "the actual size is not disclosed");
    }

    [Test]
    public async Task Offer_DatasetInNodeYamlButNotInPolicy_Rejected()
    {
        var reason = await RejectionOfAsync(config => TestPolicies.AllowAll(config) with { Datasets = [] });

        reason.Should().Be("dataset 'amr-reports' is not exposed by this node's policy");
    }

    [Test]
    public async Task Offer_SnapshotChangedSinceThePolicy_Rejected()
    {
        var reason = await RejectionOfAsync(config => TestPolicies.AllowAll(config) with
        {
            Datasets = [new DatasetPolicy { Name = "amr-reports", SnapshotSha256 = new string('a', 64), LegalBasis = "DUA" }],
        });

        reason.Should().Contain("no longer the snapshot the policy approved");
    }

    [Test]
    public async Task Offer_TaskNotAllowed_Rejected()
    {
        var reason = await RejectionOfAsync(config => TestPolicies.AllowAll(config) with { Tasks = [TaskTypes.MultiLabelClassification] });

        reason.Should().Be("task 'single_label_classification' is not allowed by this node's policy (allowed: multi_label_classification)");
    }

    [Test]
    public async Task Offer_SpecNotAllowed_Rejected()
    {
        var reason = await RejectionOfAsync(config => TestPolicies.AllowAll(config) with { Specs = ["another-spec"] });

        reason.Should().Be("spec 'amr-test' is not among the specs this node's policy allows");
    }

    [TestCase(TaskTypes.TokenClassification)]
    [TestCase(TaskTypes.MultiLabelClassification)]
    public async Task Offer_EntityOrMultiLabelTaskUnderDifferentialPrivacy_Accepted(string task)
    {
        // Every task has a release rule under differential privacy now (contribution bounding, noisy counts).
        Engine.Evaluate = (_, _, _) => Task.FromResult(FakeEngine.SampleResult());
        var bundle = ManualApprovalTests.ValidBundle();
        Coordinator.AddArtifact(bundle);
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, policy: WithDifferentialPrivacy);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-dp", bundle, specYaml: Offers.SpecYaml().Replace("task: single_label_classification", $"task: {task}", StringComparison.Ordinal)));
        var reply = await session.NextAsync(m => m.Rejected is not null || m.Accepted is not null);

        reply.Accepted.Should().NotBeNull();
    }

    [Test]
    public async Task Offer_SingleLabelOnADatasetUnderDifferentialPrivacy_Accepted()
    {
        Engine.Evaluate = (_, _, _) => Task.FromResult(FakeEngine.SampleResult());
        var bundle = ManualApprovalTests.ValidBundle();
        Coordinator.AddArtifact(bundle);
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, policy: WithDifferentialPrivacy);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-dp", bundle));
        var reply = await session.NextAsync(m => m.Rejected is not null || m.Accepted is not null);

        reply.Accepted.Should().NotBeNull("single-label confusion matrices are released under differential privacy, with noise");
    }

    [Test]
    public void CheckOffer_NerOnADatasetWithoutDifferentialPrivacy_Passes()
    {
        var admission = new PolicyAdmission(
            new NodePolicy
            {
                Datasets = [new DatasetPolicy { Name = "onco", SnapshotSha256 = new string('a', 64), LegalBasis = "DUA", DifferentialPrivacy = DifferentialPrivacyPolicy.Off }],
                Tasks = TaskTypes.All,
            },
            new SnapshotInspector(new EvaluationEngine()),
            new PrivacyAccountant(Scratch.Combine("release"), TimeProvider.System),
            new ReleaseCache(Scratch.Combine("release", "released")));
        var spec = new Evaluation.Specs.EvaluationSpec { Name = "ner", Task = TaskTypes.TokenClassification, Dataset = "onco", Labels = ["GENE"] };

        admission.CheckOffer(spec, new DatasetDefinition("onco", "/nowhere.jsonl", "jsonl")).Should().BeNull("only differential privacy makes the gate refuse entity results");
    }

    [Test]
    public async Task Offer_AllowedByPolicy_AcceptedAndAuditedFromReceiptToStart()
    {
        var bundle = ManualApprovalTests.ValidBundle();
        Coordinator.AddArtifact(bundle);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Engine.Evaluate = async (_, _, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return FakeEngine.SampleResult();
        };
        await using var node = await NodeUnderTest.StartAsync(
            Coordinator, Engine, Scratch, policy: config => TestPolicies.AllowAll(config) with { Models = new ModelPolicy { PinnedBundles = [ContentHash.Of(bundle)] } });
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-ok", bundle));
        await session.NextAsync(m => m.Accepted is not null);
        await started.Task.WaitAsync(TestTimeouts.Default);

        var events = AuditEvents(node);
        events.Select(e => e.Event).Should().ContainInOrder("agent_started", "policy_loaded", "job_received", "job_approved", "run_started");
        var approved = events.Single(e => e.Event == "job_approved");
        approved.By.Should().Be(JobAdmission.AutoApprover);
        approved.LegalBasis.Should().Be("test agreement");
        approved.DatasetFingerprint.Should().Be(TestPolicies.FakeFingerprint);
        approved.BundleSha256.Should().Be(ContentHash.Of(bundle));
        approved.SpecSha256.Should().Be(ContentHash.Of(Offers.SpecYaml()));
        AuditChain.VerifyFile(AuditLog.PathFor(node.Config)).Valid.Should().BeTrue();
    }

    [Test]
    public async Task Offer_SnapshotFileChanged_InspectedAgainAndRefused()
    {
        var (admission, dataset) = await AdmissionOverOneLineAsync(policy => policy);
        (await admission.CheckSnapshotAsync(dataset, Offer("run-1"), CancellationToken.None)).Admitted.Should().BeTrue();

        await File.AppendAllTextAsync(dataset.Path, "{\"id\":\"2\",\"text\":\"b\",\"label\":\"BLSE\"}\n");
        var verdict = await admission.CheckSnapshotAsync(dataset, Offer("run-2"), CancellationToken.None);

        verdict.Admitted.Should().BeFalse("the file no longer has the approved fingerprint");
        verdict.Reason.Should().Contain("no longer the snapshot");
    }

    private static OfferIdentity Offer(string runId) => new(runId, new string('5', 64), new string('b', 64));

    [Test]
    public async Task CheckSnapshotAsync_QueryAllowanceUsedUp_RefusedBeforeAnyRunWithTheFigures()
    {
        var (admission, dataset) = await AdmissionOverOneLineAsync(policy => policy with { MaxModelRuns = 2 });

        (await admission.CheckSnapshotAsync(dataset, Offer("run-1"), CancellationToken.None)).Admitted.Should().BeTrue();
        (await admission.CheckSnapshotAsync(dataset, Offer("run-2"), CancellationToken.None)).Admitted.Should().BeTrue();
        var third = await admission.CheckSnapshotAsync(dataset, Offer("run-3"), CancellationToken.None);

        third.Admitted.Should().BeFalse();
        third.Reason.Should().Contain("query allowance").And.Contain("2 of 2");
    }

    [Test]
    public async Task CheckSnapshotAsync_PrivacyBudgetSpent_RefusedAtAdmissionWithTheNumbers()
    {
        // A budget that covers one release of ε 1 and a half more: a second release would pass it.
        var one = new DifferentialPrivacyPolicy { EpsilonPerRelease = 1 };
        var privacy = one with { EpsilonBudget = Zcdp.EpsilonOf(1.5 * one.RhoPerRelease, one.Delta) };
        var (admission, dataset) = await AdmissionOverOneLineAsync(policy => policy with { DifferentialPrivacy = privacy });
        var accountant = new PrivacyAccountant(Scratch.Combine("release"), TimeProvider.System);
        accountant.ChargeRelease("amr-reports", "earlier", privacy.RhoPerRelease, privacy.EpsilonBudget, privacy.Delta);

        var verdict = await admission.CheckSnapshotAsync(dataset, Offer("run-1"), CancellationToken.None);

        verdict.Admitted.Should().BeFalse("a second release of ε 1 composes beyond the budget");
        verdict.Reason.Should().Contain("privacy budget").And.Contain(privacy.EpsilonBudget.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
        accountant.Spent("amr-reports").ModelRuns.Should().Be(0, "a refused offer runs nothing and counts nothing");
    }

    [Test]
    public async Task CheckSnapshotAsync_RepeatOfAReleasedRequest_AdmittedAsRepeatWithoutCounting()
    {
        var (admission, dataset) = await AdmissionOverOneLineAsync(policy => policy with { MaxModelRuns = 1 });
        var first = await admission.CheckSnapshotAsync(dataset, Offer("run-1"), CancellationToken.None);
        new ReleaseCache(Scratch.Combine("release", "released")).Store(ReleaseCache.KeyOf(new string('5', 64), new string('b', 64), first.Snapshot!.Fingerprint), "{}");

        var repeat = await admission.CheckSnapshotAsync(dataset, Offer("run-2"), CancellationToken.None);

        repeat.Admitted.Should().BeTrue("the same request on the same snapshot gets the released bytes again");
        repeat.Snapshot!.Repeat.Should().BeTrue();
    }

    private async Task<(PolicyAdmission Admission, DatasetDefinition Dataset)> AdmissionOverOneLineAsync(Func<DatasetPolicy, DatasetPolicy> dataset)
    {
        var file = Scratch.Combine("amr.jsonl");
        await File.WriteAllTextAsync(file, "{\"id\":\"1\",\"text\":\"a\",\"label\":\"BLSE\"}\n");
        var inspector = new SnapshotInspector(new EvaluationEngine());
        var definition = new DatasetDefinition("amr-reports", file, "jsonl");
        var info = await inspector.InspectAsync(definition, CancellationToken.None);
        var admission = new PolicyAdmission(
            new NodePolicy
            {
                Datasets = [dataset(new DatasetPolicy { Name = "amr-reports", SnapshotSha256 = info.Fingerprint, LegalBasis = "DUA" })],
                Tasks = TaskTypes.All,
                Release = new ReleasePolicy { MinDatasetDocuments = 1 },
            },
            inspector,
            new PrivacyAccountant(Scratch.Combine("release"), TimeProvider.System),
            new ReleaseCache(Scratch.Combine("release", "released")));
        return (admission, definition);
    }

    private static NodePolicy WithDifferentialPrivacy(NodeAgent.Configuration.NodeConfig config)
    {
        var policy = TestPolicies.AllowAll(config);
        var privacy = new DifferentialPrivacyPolicy { EpsilonBudget = 10, EpsilonPerRelease = 1 };
        return policy with { Datasets = [.. policy.Datasets.Select(d => d with { DifferentialPrivacy = privacy })] };
    }

    private async Task<string> RejectionOfAsync(Func<NodeAgent.Configuration.NodeConfig, NodePolicy> policy, string? specYaml = null)
    {
        var bundle = ServedBundle(1000);
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, policy: policy);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-r", bundle, specYaml: specYaml));
        var reply = await session.NextAsync(m => m.Rejected is not null || m.Accepted is not null);

        reply.Rejected.Should().NotBeNull("the policy refuses this offer");
        reply.Rejected.RunId.Should().Be("run-r");
        Coordinator.DownloadRequests.Should().BeEmpty("a refused job downloads nothing");
        Engine.Started.IsCompleted.Should().BeFalse();
        reply.Rejected.Reason.Should().Be(CoordinatorReasons.PolicyRefused, "which rule refused is the hospital's business");
        var refusal = AuditEvents(node).Should().ContainSingle(e => e.Event == "job_rejected").Subject;
        refusal.RunId.Should().Be("run-r");
        return refusal.Reason!;
    }

    internal static List<AuditLine> AuditEvents(NodeUnderTest node) =>
        [.. File.ReadAllLines(AuditLog.PathFor(node.Config)).Select(l => JsonSerializer.Deserialize<AuditLine>(l, AuditLine.Json)!)];
}

/// <summary>An audit log line as a test reads it.</summary>
public sealed record AuditLine(long Seq, string Event, string? RunId, string? By, string? Reason, string? Decision, string? LegalBasis,
    string? DatasetFingerprint, string? BundleSha256, string? SpecSha256, string? PayloadSha256)
{
    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
