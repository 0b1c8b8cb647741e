namespace Partages.Coordinator.Tests.Sessions;

[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class NodeServiceTests(TestDatabaseKind database) : EvaluatorFixture(database)
{

    [Test]
    public async Task Session_NoClientCertificate_Unauthenticated()
    {
        var client = new NodeService.NodeServiceClient(Server.Channel());
        using var call = client.Session(deadline: TestCoordinator.Deadline());

        var open = async () =>
        {
            await call.RequestStream.WriteAsync(new NodeMessage { Hello = new NodeHello() });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        };

        (await open.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.Unauthenticated, "A node client certificate is required; enroll the node first."));
    }

    [Test]
    public async Task Session_CertificateFromForeignCa_FailsTlsHandshakeAsUnavailable()
    {
        using var foreign = TestPki.ForeignClientCertificate("intruder");

        var session = await ForeignCallStatusAsync(foreign, async client =>
        {
            // Read before writing: a write on a dead HTTP/2 stream surfaces as an IOException, the read as the call's status.
            using var call = client.Session(deadline: TestCoordinator.Deadline());
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        var unary = await ForeignCallStatusAsync(foreign, async client =>
            await client.SubmitResultAsync(new SubmitResultRequest { RunId = "run_x" }, deadline: TestCoordinator.Deadline()));

        session.StatusCode.Should().Be(StatusCode.Unavailable, session.ToString());
        unary.StatusCode.Should().Be(StatusCode.Unavailable, unary.ToString());
    }

    /// <summary>
    /// Makes the call on a fresh channel and returns the status it failed with. With TLS 1.3 the server rejects the
    /// client certificate after the client has finished its side of the handshake; in a small share of attempts
    /// .NET's HTTP/2 connection pool then reports that same refused handshake as an HttpRequestException without an
    /// inner IOException, which Grpc.Net.Client maps to INTERNAL. Such an attempt is made again (at most twice more).
    /// </summary>
    private async Task<Status> ForeignCallStatusAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, Func<NodeService.NodeServiceClient, Task> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            var client = new NodeService.NodeServiceClient(Server.Channel(certificate));
            var act = async () => await call(client);
            var status = (await act.Should().ThrowAsync<RpcException>()).Which.Status;
            var poolRace = status.StatusCode == StatusCode.Internal
                && status.DebugException is HttpRequestException { InnerException: null } http
                && http.Message.Contains("HTTP/2 handshake", StringComparison.Ordinal);
            if (!poolRace || attempt == 3)
            {
                return status;
            }
        }
    }

    [Test]
    public async Task Session_RevokedNode_Unauthenticated()
    {
        var node = await Server.EnrollNodeAsync("revoked-node");
        var (exit, output, _) = await Server.AdminAsync("admin", "revoke-node", "--data-dir", Server.DataDir, "--node", "revoked-node");
        exit.Should().Be(0);
        output.Should().Contain("revoked");

        await using var session = await node.ConnectAsync();
        var read = async () => await session.ReadAsync();

        (await read.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Status(StatusCode.Unauthenticated, "Node 'revoked-node' has been revoked."));
    }

    [Test]
    public async Task Session_NodeRevokedWhileConnected_EndedAtNextHeartbeat()
    {
        var node = await Server.EnrollNodeAsync("revoked-live");
        await using var session = await node.ConnectWelcomedAsync();
        (await Server.AdminAsync("admin", "revoke-node", "--data-dir", Server.DataDir, "--node", "revoked-live")).ExitCode.Should().Be(0);

        await session.HeartbeatAsync();
        var read = async () => await session.ReadAsync();

        (await read.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unauthenticated);
    }

    [Test]
    public async Task Session_FirstMessageNotHello_InvalidArgument()
    {
        var node = await Server.EnrollNodeAsync("no-hello");
        using var call = node.Client.Session(deadline: TestCoordinator.Deadline());
        await call.RequestStream.WriteAsync(new NodeMessage { Heartbeat = new Heartbeat() });

        var read = async () => await call.ResponseStream.MoveNext(CancellationToken.None);

        (await read.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.InvalidArgument);
    }

    [Test]
    public async Task SubmitEvaluation_NodeConnected_OfferArrivesOnSession()
    {
        var node = await Server.EnrollNodeAsync("offer-live");
        await using var session = await node.ConnectWelcomedAsync();
        var spec = Evaluations.Spec("offer-live");

        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, spec, "offer-live");

        var offer = await session.ReadOfferAsync();
        offer.EvaluationId.Should().Be(evaluation.Id);
        offer.RunId.Should().Be(evaluation.Runs.Single().Id);
        offer.SpecYaml.Should().Be(spec);
        offer.SpecSha256.Should().Be(Evaluation.ContentHash.Of(spec));
        offer.ModelBundle.Sha256.Should().Be(Bundle);
        offer.ModelBundle.SizeBytes.Should().Be(10_000);
        offer.Dataset.Should().Be("amr-reports");
        offer.LeaseSeconds.Should().Be(60);
        evaluation.Runs.Single().State.Should().Be(RunState.Offered);
    }

    [Test]
    public async Task Session_QueuedRunWhileOffline_OfferedOnConnect()
    {
        var node = await Server.EnrollNodeAsync("offer-later");
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("offer-later"), "offer-later");
        evaluation.Runs.Single().State.Should().Be(RunState.Offline);

        await using var session = await node.ConnectWelcomedAsync();

        (await session.ReadOfferAsync()).RunId.Should().Be(evaluation.Runs.Single().Id);
    }

    [Test]
    public async Task Session_ReconnectWithRunStillActive_KeepsRunWithoutNewOffer()
    {
        var (node, evaluation, runId) = await NodeWithRunAsync("reconnect-active");
        await AcceptThenCloseAsync(node, evaluation.Id, runId);

        await using var second = await node.ConnectWelcomedAsync(runId);
        await second.SendAsync(new NodeMessage { Progress = new JobProgress { RunId = runId, Phase = JobPhase.Running, Done = 5, Total = 10 } });

        var running = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.Running);
        running.Runs.Single().Done.Should().Be(5);
        running.Runs.Single().Total.Should().Be(10);
    }

    [Test]
    public async Task Session_ReconnectWithoutOfferedRun_OffersItAgain()
    {
        var (node, evaluation, _) = await NodeWithRunAsync("reoffer");
        await using (var first = await node.ConnectAsync())
        {
            await first.ReadWelcomeAsync();
            await first.ReadOfferAsync();
            await first.CloseAsync();
        }

        await using var second = await node.ConnectWelcomedAsync();

        (await second.ReadOfferAsync()).RunId.Should().Be(evaluation.Runs.Single().Id);
    }

    [Test]
    public async Task Session_NodeKeepsLosingAcceptedRun_OfferedAgainThenFailedAfterMaxAttempts()
    {
        var (node, evaluation, runId) = await NodeWithRunAsync("forgetful");

        // MaxRunAttempts is 3: the node accepts, then comes back without the run (an agent restart), three times.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await AcceptThenCloseAsync(node, evaluation.Id, runId);
        }

        await using var last = await node.ConnectWelcomedAsync();

        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);
        final.Runs.Single().State.Should().Be(RunState.Failed);
        final.Runs.Single().Reason.Should().Be("node forgetful lost the run 3 time(s) (reconnected without it)");
    }

    [Test]
    public async Task Session_HelloListsRunCancelledMeanwhile_CancelJobSent()
    {
        var (node, evaluation, runId) = await NodeWithRunAsync("was-away");
        await AcceptThenCloseAsync(node, evaluation.Id, runId);

        await Evaluator.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluation.Id });
        await using var second = await node.ConnectWelcomedAsync(runId);

        (await second.ReadCancelAsync()).RunId.Should().Be(runId);
    }

    [Test]
    public async Task CancelEvaluation_RunAtNode_CancelJobSentAndRunCancelled()
    {
        await using var run = await AcceptedRunAsync("cancel-me");

        var cancelled = await Evaluator.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = run.Evaluation.Id, Reason = "wrong bundle" });

        var cancel = await run.Session.ReadCancelAsync();
        cancel.RunId.Should().Be(run.RunId);
        cancel.Reason.Should().Contain("wrong bundle");
        cancelled.State.Should().Be(EvaluationState.Cancelled);
        cancelled.Runs.Single().State.Should().Be(RunState.Cancelled);
    }

    [Test]
    public async Task Session_JobRejected_RunRejectedAndEvaluationFailed()
    {
        var node = await Server.EnrollNodeAsync("rejecter");
        await using var session = await node.ConnectWelcomedAsync();
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("rejecter"), "rejecter");
        var offer = await session.ReadOfferAsync();

        await session.SendAsync(new NodeMessage { Rejected = new JobRejected { RunId = offer.RunId, Reason = "dataset amr-reports is not configured" } });

        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Failed);
        final.Runs.Single().State.Should().Be(RunState.Rejected);
        final.Runs.Single().Reason.Should().Be("dataset amr-reports is not configured");
        final.MissingSites.Should().Equal("rejecter");
    }

    [Test]
    public async Task ListNodes_ConnectedNode_OnlineWithHelloDetails()
    {
        var node = await Server.EnrollNodeAsync("listed");
        await using var session = await node.ConnectWelcomedAsync();

        var nodes = await Evaluator.ListNodesAsync(new ListNodesRequest());

        var listed = nodes.Nodes.Single(n => n.Name == "listed");
        listed.Online.Should().BeTrue();
        listed.AgentVersion.Should().Be("test-agent/1");
        listed.OnnxruntimeVersion.Should().Be("1.31.1");
        listed.Datasets.Single().Name.Should().Be("amr-reports");
        listed.Revoked.Should().BeFalse();
    }

    /// <summary>A node enrolled as <paramref name="name"/>, and an evaluation of the same name submitted to it alone.</summary>
    private async Task<(TestNode Node, Partages.Contracts.V1.Evaluation Evaluation, string RunId)> NodeWithRunAsync(string name)
    {
        var node = await Server.EnrollNodeAsync(name);
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec(name), name);
        return (node, evaluation, evaluation.Runs.Single().Id);
    }

    /// <summary>One session in which the node is offered the run and accepts it, then hangs up.</summary>
    private async Task AcceptThenCloseAsync(TestNode node, string evaluationId, string runId)
    {
        await using var session = await node.ConnectWelcomedAsync();
        (await session.ReadOfferAsync()).RunId.Should().Be(runId);
        await session.AcceptAsync(runId);
        await Evaluations.WatchUntilAsync(Evaluator, evaluationId, e => e.Runs.Single().State == RunState.Accepted);
        await session.CloseAsync();
    }
}
