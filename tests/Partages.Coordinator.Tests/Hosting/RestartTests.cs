namespace Partages.Coordinator.Tests.Hosting;

public sealed class RestartTests
{
    [Test]
    public async Task Restart_SameDataDir_NodesTokensEvaluationsRunsAndArtifactsSurvive()
    {
        var dataDir = TestCoordinator.NewDataDir();
        try
        {
            string apiToken, evaluationId, succeededRun, queuedRunSite = "restart-b";
            X509Certificate2 certificateA, certificateB;
            string caPin;
            var bundle = Evaluations.FakeBundle(50_000, seed: 11);
            await using (var first = await TestCoordinator.StartAsync(dataDir))
            {
                apiToken = await first.ApiTokenAsync("restarter", "evaluator");
                var evaluator = first.EvaluatorClient(apiToken);
                (_, caPin) = await first.EnrollmentTokenAsync("unused-token-node");
                await Evaluations.UploadAsync(evaluator, bundle);
                var nodeA = await first.EnrollNodeAsync("restart-a");
                // The node keeps its certificate across the coordinator's restart (the fixture disposes its own copy).
                certificateA = X509CertificateLoader.LoadPkcs12(nodeA.Certificate.Export(X509ContentType.Pkcs12), null);
                var nodeB = await first.EnrollNodeAsync(queuedRunSite);
                certificateB = X509CertificateLoader.LoadPkcs12(nodeB.Certificate.Export(X509ContentType.Pkcs12), null);
                await using var session = await nodeA.ConnectWelcomedAsync();
                var evaluation = await Evaluations.SubmitAsync(evaluator, ContentHash.Of(bundle), Evaluations.Spec("survivor", minSites: 2), "restart-a", queuedRunSite);
                evaluationId = evaluation.Id;
                succeededRun = (await session.ReadOfferAsync()).RunId;
                (await nodeA.SubmitResultAsync(succeededRun, Evaluations.SiteResult([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 3]]))).Stored.Should().BeTrue();
                await session.CloseAsync();
            }

            await using var second = await TestCoordinator.StartAsync(dataDir);
            var again = second.EvaluatorClient(apiToken);

            var evaluationAfter = await again.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluationId });
            evaluationAfter.State.Should().Be(EvaluationState.Running);
            evaluationAfter.Owner.Should().Be("restarter");
            evaluationAfter.Runs.Single(r => r.Id == succeededRun).State.Should().Be(RunState.Succeeded);
            evaluationAfter.Runs.Single(r => r.NodeName == queuedRunSite).State.Should().Be(RunState.Offline);
            (await again.ListNodesAsync(new ListNodesRequest())).Nodes.Select(n => n.Name).Should().Contain(["restart-a", queuedRunSite]);
            (await second.EnrollmentTokenAsync("another")).CaSha256.Should().Be(caPin, "the CA is kept in the data dir");

            // The nodes' certificates from before the restart still open sessions; the node whose run was queued gets its
            // offer and fetches the bundle (a node downloads only the bundles of runs it holds).
            var nodeAfter = new TestNode(second, "restart-a", certificateA);
            second.Own(certificateA);
            await using var sessionAfter = await nodeAfter.ConnectAsync();
            (await sessionAfter.ReadWelcomeAsync()).NodeName.Should().Be("restart-a");
            (await nodeAfter.SubmitResultAsync(succeededRun, Evaluations.SiteResult([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 3]]))).Stored
                .Should().BeFalse("the result stored before the restart is still there");
            var queuedAfter = new TestNode(second, queuedRunSite, certificateB);
            second.Own(certificateB);
            await using var queuedSession = await queuedAfter.ConnectWelcomedAsync();
            (await queuedSession.ReadOfferAsync()).ModelBundle.Sha256.Should().Be(ContentHash.Of(bundle));
            using var download = queuedAfter.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = ContentHash.Of(bundle) }, deadline: TestCoordinator.Deadline());
            var received = new List<byte>();
            while (await download.ResponseStream.MoveNext(CancellationToken.None))
            {
                received.AddRange(download.ResponseStream.Current.Data);
            }

            received.Should().Equal(bundle);
            second.Errors.Errors.Should().BeEmpty();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
