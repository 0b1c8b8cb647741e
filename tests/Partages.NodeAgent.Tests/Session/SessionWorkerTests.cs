using Partages.Contracts;
using Partages.NodeAgent.Hosting;

namespace Partages.NodeAgent.Tests.Session;

/// <summary>The real agent host against the fake coordinator over mTLS on loopback.</summary>
public sealed class SessionWorkerTests : FakeCoordinatorFixture
{
    [Test]
    public async Task Start_Enrolled_SendsHelloWithRoundedCountsVersionsAndCapacity()
    {
        Engine.DocumentCounts["amr-reports"] = 1234;
        Engine.DocumentCounts["tiny"] = 7;
        await using var node = await NodeUnderTest.StartAsync(
            Coordinator,
            Engine,
            Scratch,
            options => options.MaxConcurrentRuns = 2,
            [new DatasetDefinition("amr-reports", Scratch.Combine("a.jsonl"), "jsonl"), new DatasetDefinition("tiny", Scratch.Combine("t.jsonl"), "jsonl")]);

        var session = await Coordinator.NextSessionAsync();

        session.NodeName.Should().Be(NodeUnderTest.NodeName, "the node authenticates with its enrolled certificate");
        session.Hello.AgentVersion.Should().NotBeNullOrEmpty();
        session.Hello.OnnxruntimeVersion.Should().MatchRegex(@"^\d+\.\d+");
        session.Hello.MaxConcurrentRuns.Should().Be(2);
        session.Hello.ActiveRunIds.Should().BeEmpty();
        session.Hello.Datasets.Select(d => (d.Name, d.Format, d.ApproximateDocuments)).Should().Equal(
            ("amr-reports", "jsonl", 1200L),
            ("tiny", "jsonl", 10L));
        session.Hello.Datasets.Should().OnlyContain(d => d.Fingerprint.Length == 64);
    }

    [Test]
    public async Task Connected_HeartbeatInterval_SendsHeartbeatsWithActiveRuns()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        var first = await session.NextAsync(m => m.Heartbeat is not null);
        var second = await session.NextAsync(m => m.Heartbeat is not null);

        second.Heartbeat.SentAt.ToDateTimeOffset().Should().BeOnOrAfter(first.Heartbeat.SentAt.ToDateTimeOffset());
        first.Heartbeat.ActiveRunIds.Should().BeEmpty();
    }

    [Test]
    public async Task Offer_DatasetNotInConfig_SendsJobRejectedWithReason()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-x", Offers.Bundle(1000), dataset: "oncology-reports"));

        var reply = await session.NextAsync(m => m.Rejected is not null || m.Accepted is not null);
        reply.Rejected.Should().NotBeNull();
        reply.Rejected.RunId.Should().Be("run-x");
        reply.Rejected.Reason.Should().Be("dataset 'oncology-reports' is not exposed by this node");
        Coordinator.DownloadRequests.Should().BeEmpty();
    }

    [Test]
    public async Task Offer_Valid_AcceptsDownloadsEvaluatesAndSubmitsOnlyTheResultJson()
    {
        var bundle = ServedBundle(300_000);
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-1", bundle));

        (await session.NextAsync(m => m.Accepted is not null)).Accepted.RunId.Should().Be("run-1");
        var submitted = await Coordinator.NextSubmissionAsync();
        var job = await Engine.Started;

        File.ReadAllBytes(job.BundlePath).Should().Equal(bundle);
        job.Dataset.Name.Should().Be("amr-reports");
        job.Spec.Name.Should().Be("amr-test");
        // What the release gate makes of it under the test policy (exact counts): the engine's result with its release section.
        var expectedJson = ResultJson.Serialize(DisclosureControl.Apply(FakeEngine.SampleResult(), new DisclosureRules(1, DifferentialPrivacyPolicy.Off), DiscreteGaussianNoise.Instance));
        // Beside the payload, only the run's part of the reproducibility manifest: what the hello already announces.
        var manifest = new RunManifest { Dataset = "amr-reports", DatasetFingerprint = new string('f', 64), AgentVersion = AgentInfo.AgentVersion, OnnxruntimeVersion = AgentInfo.OnnxRuntimeVersion };
        submitted.Should().Be(new SubmitResultRequest { RunId = "run-1", ResultJson = expectedJson, ResultSha256 = ContentHash.Of(expectedJson), Manifest = manifest, AuditHead = submitted.AuditHead });
        // And the audit head once the payload's result_released line is written, signed with the node's key.
        var head = submitted.AuditHead;
        File.ReadLines(AuditLog.PathFor(node.Config)).Single(l => l.Contains("\"event\":\"result_released\"", StringComparison.Ordinal))
            .Should().StartWith($"{{\"seq\":{head.Sequence},").And.EndWith($"\"hash\":\"{head.EntrySha256}\"}}");
        using (var key = node.Identity.ClientCertificate.GetECDsaPublicKey()!)
        {
            AuditHeadSignature.Verify(key, NodeUnderTest.NodeName, head.Sequence, head.EntrySha256, head.Signature.Span).Should().BeTrue();
        }

        node.Logs.Entries.Should().NotContain(e => e.Message.Contains(expectedJson, StringComparison.Ordinal), "the payload is logged by its hash only");
        node.Logs.Entries.Should().Contain(e => e.EventId.Id == 400 && e.Message.Contains(ContentHash.Of(expectedJson), StringComparison.Ordinal));
    }

    [Test]
    public async Task Offer_EngineReportsProgress_SendsRunningProgressWhileTheJobRuns()
    {
        var bundle = ServedBundle(1000);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Engine.Evaluate = async (_, progress, token) =>
        {
            progress?.Report(new EvaluationProgress(50, 100));
            await release.Task.WaitAsync(token);
            return FakeEngine.SampleResult();
        };
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-p", bundle));
        // Every 5 % step up to the engine's 50 of 100 is queued; the outbox may coalesce them into the latest.
        var running = await session.NextAsync(m => m.Progress is { Phase: JobPhase.Running, Done: 50 });
        var heartbeat = await session.NextAsync(m => m.Heartbeat is not null);
        release.SetResult();
        await Coordinator.NextSubmissionAsync();

        running.Progress.Should().Be(new JobProgress { RunId = "run-p", Phase = JobPhase.Running, Done = 50, Total = 100 });
        heartbeat.Heartbeat.ActiveRunIds.Should().Equal("run-p");
    }

    [Test]
    public async Task Offer_EngineRefuses_SendsJobFailedWithTheGenericCategoryOnly()
    {
        var bundle = ServedBundle(1000);
        Engine.Evaluate = (_, _, _) => throw new EvaluationRefusedException("the model's labels differ from the spec's: [a, b] vs [sensible, BLSE]");
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-2", bundle));

        var failed = await session.NextAsync(m => m.Failed is not null);
        failed.Failed.RunId.Should().Be("run-2");
        failed.Failed.Reason.Should().Be(CoordinatorReasons.RunFailed, "the engine's words stay in the node's log and audit log");
    }

    [Test]
    public async Task Offer_EngineCrashes_SendsInternalErrorAndKeepsServing()
    {
        var bundle = ServedBundle(1000);
        Engine.Evaluate = (_, _, _) => throw new InvalidOperationException("patient Jean Dupont, line 12: unexpected token");
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-3", bundle));
        var failed = await session.NextAsync(m => m.Failed is not null);
        session.Offer(Offers.For("run-4", bundle, dataset: "unknown"));
        var stillServing = await session.NextAsync(m => m.Rejected is not null);

        failed.Failed.Reason.Should().Be(JobRunner.InternalErrorReason);
        failed.ToString().Should().NotContain("Dupont");
        stillServing.Rejected.RunId.Should().Be("run-4");
    }

    [Test]
    public async Task CancelJob_RunningJob_CancelsItsTokenAndSendsJobCancelled()
    {
        var bundle = ServedBundle(1000);
        Engine.RunUntilCancelled();
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();
        session.Offer(Offers.For("run-5", bundle));
        await Engine.Started;

        session.Cancel("run-5");

        var cancelled = await session.NextAsync(m => m.Cancelled is not null);
        cancelled.Cancelled.RunId.Should().Be("run-5");
        Coordinator.SubmitAttempts.Should().Be(0);
    }

    [Test]
    public async Task ServerDropsStream_JobRunning_ReconnectsSaysHelloWithActiveRunAndStillDeliversTheResult()
    {
        var bundle = ServedBundle(1000);
        var release = Engine.RunUntilReleased();
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var first = await Coordinator.NextSessionAsync();
        first.Offer(Offers.For("run-6", bundle));
        await Engine.Started;

        first.Drop();
        var second = await Coordinator.NextSessionAsync();
        release.SetResult();
        var submitted = await Coordinator.NextSubmissionAsync();

        second.Hello.ActiveRunIds.Should().Equal("run-6");
        submitted.RunId.Should().Be("run-6");
    }

    [Test]
    public async Task CoordinatorDown_JobFailsMeanwhile_MessageWaitsAndOutageIsLoggedOnce()
    {
        var bundle = ServedBundle(1000);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Engine.Evaluate = async (_, _, token) =>
        {
            await release.Task.WaitAsync(token);
            throw new EvaluationRefusedException("dataset unreadable");
        };
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var first = await Coordinator.NextSessionAsync();
        first.Offer(Offers.For("run-7", bundle));
        await Engine.Started;
        var refusedThrice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Coordinator.SessionRefused += () =>
        {
            if (Coordinator.RefusedSessions >= 3)
            {
                refusedThrice.TrySetResult();
            }
        };
        var failureQueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Outbox.Enqueued += message =>
        {
            if (message.Failed is not null)
            {
                failureQueued.TrySetResult();
            }
        };

        Coordinator.RefuseSessions = true;
        first.Drop();
        await refusedThrice.Task.WaitAsync(TestTimeouts.Default);
        release.SetResult();
        await failureQueued.Task.WaitAsync(TestTimeouts.Default);
        Coordinator.RefuseSessions = false;
        var second = await Coordinator.NextSessionAsync();
        var failed = await second.NextAsync(m => m.Failed is not null);

        failed.Failed.RunId.Should().Be("run-7");
        failed.Failed.Reason.Should().Be(CoordinatorReasons.RunFailed);
        node.Logs.Entries.Where(e => e.EventId.Id == 101).Should().ContainSingle("an outage is logged once, not per attempt");
        node.Logs.Entries.Where(e => e.EventId.Id == 103).Should().ContainSingle();
    }

    [Test]
    public async Task SubmitResult_FailsTwice_IsRetriedUntilStored()
    {
        var bundle = ServedBundle(1000);
        Coordinator.FailSubmissions = 2;
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-8", bundle));
        var submitted = await Coordinator.NextSubmissionAsync();

        submitted.RunId.Should().Be("run-8");
        Coordinator.SubmitAttempts.Should().Be(3);
        node.Logs.Entries.Should().NotContain(e => e.Level >= LogLevel.Error);
    }

    [Test]
    public async Task Offer_SecondOfferBeyondCapacity_IsRejected()
    {
        var bundle = ServedBundle(1000);
        Engine.RunUntilCancelled();
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-9", bundle));
        await session.NextAsync(m => m.Accepted is not null);
        session.Offer(Offers.For("run-10", bundle));
        var rejected = await session.NextAsync(m => m.Rejected is not null);

        rejected.Rejected.RunId.Should().Be("run-10");
        rejected.Rejected.Reason.Should().Be(CoordinatorReasons.AtCapacity);
    }

    [Test]
    public async Task Coordinator_NotIssuedByTheSavedCa_NeverConnectsAndLogsTheRefusalOnce()
    {
        using var impostor = new TestPki("Impostor CA");
        await using var impostorCoordinator = await FakeCoordinator.StartAsync(impostor);
        var attempts = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failedAttempts = 0;
        await using var node = await NodeUnderTest.StartAsync(
            Coordinator,
            Engine,
            Scratch,
            configure: (config, logs) =>
            {
                logs.Logged += entry =>
                {
                    if (entry.EventId.Id == 102 && Interlocked.Increment(ref failedAttempts) >= 3)
                    {
                        attempts.TrySetResult();
                    }
                };
                return config with { CoordinatorUrl = impostorCoordinator.Address };
            });

        await attempts.Task.WaitAsync(TestTimeouts.Default);

        impostorCoordinator.Sessions.Reader.Count.Should().Be(0);
        node.Logs.Entries.Where(e => e.EventId.Id == 500).Should().ContainSingle()
            .Which.Message.Should().Contain("issued by 'CN=Impostor CA', not by the coordinator's CA").And.Contain("inspecting TLS");
        node.Logs.Entries.Where(e => e.EventId.Id == 101).Should().ContainSingle();
    }

    [Test]
    public async Task Start_InvalidAgentOptions_FailsListingEveryProblem()
    {
        var act = () => NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, options =>
        {
            options.HeartbeatInterval = TimeSpan.Zero;
            options.MaxConcurrentRuns = 0;
        });

        var error = (await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which;
        error.Failures.Should().HaveCount(2);
    }
}
