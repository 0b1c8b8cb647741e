using System.IO.Compression;

namespace Partages.NodeAgent.Tests.Admission;

/// <summary>Manual approval end to end: the real agent, the fake coordinator, and the <c>jobs</c> commands in between.</summary>
public sealed class ManualApprovalTests : FakeCoordinatorFixture
{
    private const int AwaitingRunApproval = 820;
    private const int AwaitingPayloadApproval = 821;

    // One valid bundle for the fixture: each test's fresh coordinator serves it and its node's policy pins it.
    private static readonly byte[] s_bundle = ValidBundle();

    [Test]
    public async Task Manual_ApproveRunThenPayload_RunsShowsTheExactPayloadAndReleasesIt()
    {
        await using var node = await StartManualNodeAsync();
        var session = await Coordinator.NextSessionAsync();

        await OfferAwaitingRunApprovalAsync(node, session, "run-m");
        (await session.NextAsync(m => m.Accepted is not null)).Accepted.RunId.Should().Be("run-m");

        Engine.Started.IsCompleted.Should().BeFalse("nothing runs before a person approves");
        Coordinator.DownloadRequests.Should().BeEmpty();
        var list = await CliAsync("jobs", "list");
        list.Output.Should().Contain("run-m").And.Contain(JobStates.AwaitingApproval);
        var shown = await CliAsync("jobs", "show", "run-m");
        shown.Output.Should().Contain("amr-test").And.Contain(ContentHash.Of(s_bundle)).And.Contain(TestPolicies.FakeFingerprint)
            .And.Contain("test agreement").And.Contain("eval-1").And.Contain("pinned by SHA-256");

        var awaitingPayload = LogEventAsync(node, AwaitingPayloadApproval);
        (await CliAsync("jobs", "approve", "run-m", "--by", "Dr Martin")).Code.Should().Be(ExitCodes.Ok);
        await awaitingPayload;

        Coordinator.Submissions.Reader.TryPeek(out _).Should().BeFalse("the payload waits for its own approval");
        var ticket = JobFiles.ReadTicket(JobFiles.TicketPath(JobFiles.Directory(node.Config), "run-m"))!;
        ticket.State.Should().Be(JobStates.AwaitingPayloadApproval);
        var payloadJson = await File.ReadAllTextAsync(JobFiles.PayloadPath(JobFiles.Directory(node.Config), "run-m"));
        ContentHash.Of(payloadJson).Should().Be(ticket.Payload!.Sha256);
        (await CliAsync("jobs", "show", "run-m")).Output.Should().Contain(payloadJson).And.Contain(ticket.Payload.Sha256);

        (await CliAsync("jobs", "approve", "run-m", "--by", "DPO")).Code.Should().Be(ExitCodes.Ok);
        var submitted = await Coordinator.NextSubmissionAsync();

        submitted.ResultJson.Should().Be(payloadJson, "exactly the payload shown leaves");
        submitted.ResultSha256.Should().Be(ticket.Payload.Sha256);
        var events = PolicyAdmissionTests.AuditEvents(node);
        events.Select(e => e.Event).Should().ContainInOrder(
            "job_received", "approval_requested", "job_approved", "run_started", "approval_requested", "payload_approved", "result_released");
        events.Single(e => e.Event == "job_approved").By.Should().Be("Dr Martin");
        events.Single(e => e.Event == "payload_approved").By.Should().Be("DPO");
        events.Single(e => e.Event == "result_released").PayloadSha256.Should().Be(ticket.Payload.Sha256);
        (await CliAsync("audit", "verify")).Code.Should().Be(ExitCodes.Ok);
    }

    [Test]
    public async Task Manual_RunThenPayloadAwaitApproval_CoordinatorToldEachWaitInOrder()
    {
        await using var node = await StartManualNodeAsync();
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-told", s_bundle));
        var accepted = await session.NextAsync(m => m.Accepted is not null);
        var runWait = await session.NextAsync(m => m.AwaitingApproval is not null);
        (await CliAsync("jobs", "approve", "run-told")).Code.Should().Be(ExitCodes.Ok);
        var payloadWait = await session.NextAsync(m => m.AwaitingApproval is not null);

        accepted.Accepted.RunId.Should().Be("run-told");
        runWait.AwaitingApproval.Should().Be(new Contracts.V1.JobAwaitingApproval { RunId = "run-told", Stage = Contracts.V1.JobApprovalStage.Run });
        payloadWait.AwaitingApproval.Should().Be(new Contracts.V1.JobAwaitingApproval { RunId = "run-told", Stage = Contracts.V1.JobApprovalStage.Payload });
        (await CliAsync("jobs", "approve", "run-told")).Code.Should().Be(ExitCodes.Ok);
        (await Coordinator.NextSubmissionAsync()).RunId.Should().Be("run-told");
    }

    [Test]
    public async Task Manual_RejectRun_CoordinatorGetsTheReasonAndNothingRuns()
    {
        await using var node = await StartManualNodeAsync();
        var session = await Coordinator.NextSessionAsync();
        await OfferAwaitingRunApprovalAsync(node, session, "run-no");

        (await CliAsync("jobs", "reject", "run-no", "--reason", "not covered by our data-use agreement", "--by", "DPO")).Code.Should().Be(ExitCodes.Ok);
        var rejected = await session.NextAsync(m => m.Rejected is not null);

        rejected.Rejected.RunId.Should().Be("run-no");
        rejected.Rejected.Reason.Should().Be(CoordinatorReasons.HospitalRejected, "why, and who decided, stay in the hospital's audit log");
        Coordinator.DownloadRequests.Should().BeEmpty();
        Engine.Started.IsCompleted.Should().BeFalse();
        var line = PolicyAdmissionTests.AuditEvents(node).Single(e => e.Event == "job_rejected_by_operator");
        line.By.Should().Be("DPO");
        line.Reason.Should().Be("not covered by our data-use agreement");
        JobFiles.ReadTicket(JobFiles.TicketPath(JobFiles.Directory(node.Config), "run-no"))!.State.Should().Be(JobStates.Rejected);
    }

    [Test]
    public async Task Manual_RejectPayload_RunFailsWithTheReasonAndNothingLeaves()
    {
        await using var node = await StartManualNodeAsync();
        var session = await Coordinator.NextSessionAsync();
        await OfferAwaitingRunApprovalAsync(node, session, "run-w");
        var awaitingPayload = LogEventAsync(node, AwaitingPayloadApproval);
        await CliAsync("jobs", "approve", "run-w");
        await awaitingPayload;

        (await CliAsync("jobs", "reject", "run-w", "--reason", "counts too small to publish")).Code.Should().Be(ExitCodes.Ok);
        var failed = await session.NextAsync(m => m.Failed is not null);

        failed.Failed.Reason.Should().Be(CoordinatorReasons.HospitalRejected);
        PolicyAdmissionTests.AuditEvents(node).Should().Contain(e => e.Event == "run_failed" && e.Reason == "the hospital's operator withheld the result: counts too small to publish");
        Coordinator.SubmitAttempts.Should().Be(0);
        PolicyAdmissionTests.AuditEvents(node).Select(e => e.Event).Should().NotContain("result_released");
    }

    [Test]
    public async Task JobsShowAndList_SpecWithTerminalEscapes_ShownEscapedToTheApprover()
    {
        await using var node = await StartManualNodeAsync();
        var session = await Coordinator.NextSessionAsync();
        // A comment that clears the screen and writes a reassuring line over the spec, then reverses what follows.
        var spec = Offers.SpecYaml() + "# \u001b[2J\u001b[HReviewed by the DPO: nothing leaves\r# \u202eevil\u0007\n";

        await OfferAwaitingRunApprovalAsync(node, session, "run-esc", spec);
        var shown = await CliAsync("jobs", "show", "run-esc");
        var listed = await CliAsync("jobs", "list");

        shown.Code.Should().Be(ExitCodes.Ok);
        foreach (var output in new[] { shown.Output, listed.Output })
        {
            output.Should().NotContainAny("\u001b", "\r", "\u202e", "\u0007");
        }

        shown.Output.Should().Contain("  # \\x1b[2J\\x1b[HReviewed by the DPO: nothing leaves\\r# \\u202eevil\\x07");
        listed.Output.Should().Contain("run-esc");
    }

    [Test]
    public async Task Approve_NoSuchJob_ExitCodeOne()
    {
        await using var node = await StartManualNodeAsync();

        var result = await CliAsync("jobs", "approve", "run-none");

        result.Code.Should().Be(ExitCodes.Failure);
        result.Error.Should().Contain("No job 'run-none'");
    }

    /// <summary>A bundle the model-trust check accepts (a real zip with a standard-operator graph); the engine is faked.</summary>
    internal static byte[] ValidBundle()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "manifest.json", "{\"name\":\"approval-test\",\"task\":\"single_label_classification\",\"labels\":[\"sensible\",\"BLSE\"],\"tokenizer\":{\"kind\":\"bert_wordpiece\",\"vocab\":\"vocab.txt\"}}");
            // An empty ONNX graph: no operator at all, so nothing custom; the engine itself is faked.
            Add(zip, "model.onnx", "");
            Add(zip, "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nblse\n");
        }

        return buffer.ToArray();
    }

    private static void Add(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(content);
    }

    /// <summary>The agent in manual approval mode, its policy pinning <see cref="s_bundle"/>, which the coordinator serves.</summary>
    private async Task<NodeUnderTest> StartManualNodeAsync()
    {
        Coordinator.AddArtifact(s_bundle);
        var node = await NodeUnderTest.StartAsync(
            Coordinator,
            Engine,
            Scratch,
            policy: config => TestPolicies.AllowAll(config, ApprovalMode.Manual) with { Models = new ModelPolicy { PinnedBundles = [ContentHash.Of(s_bundle)] } });
        // The commands read node.yaml to find the data directory, as an operator's would.
        await File.WriteAllTextAsync(node.Config.SourcePath, $"""
            name: {NodeUnderTest.NodeName}
            coordinator:
              url: {Coordinator.Address.ToString().TrimEnd('/')}
            data_directory: {node.Config.DataDirectory}
            datasets:
              - name: amr-reports
                path: {node.Config.Datasets[0].Path}
                format: jsonl
            """);
        return node;
    }

    private Task<(int Code, string Output, string Error)> CliAsync(params string[] args) =>
        AgentCli.InvokeAsync([.. args, "--config", Scratch.Combine("node.yaml")]);

    /// <summary>Offers <see cref="s_bundle"/> as <paramref name="runId"/> and waits until the run awaits its approval.</summary>
    private static async Task OfferAwaitingRunApprovalAsync(NodeUnderTest node, FakeSession session, string runId, string? specYaml = null)
    {
        var awaitingRun = LogEventAsync(node, AwaitingRunApproval);
        session.Offer(Offers.For(runId, s_bundle, specYaml: specYaml));
        await awaitingRun;
    }

    /// <summary>Completes when the agent logs <paramref name="eventId"/> (subscribe before the action that causes it).</summary>
    private static Task LogEventAsync(NodeUnderTest node, int eventId)
    {
        var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Logs.Logged += entry =>
        {
            if (entry.EventId.Id == eventId)
            {
                logged.TrySetResult();
            }
        };
        return logged.Task.WaitAsync(TestTimeouts.Default);
    }
}
