namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 22, finding 6, with real processes: a node agent runs an evaluation (its heartbeats and its result carry the
/// signed head of its audit log, which the coordinator keeps as the node's anchor); then its audit file is cut.
/// The bare hash chain still verifies, but <c>audit verify</c> — a real process with the node's identity — compares
/// with the coordinator's anchor and reports the cut (exit 7), also from the anchor it saved once the coordinator is
/// gone, and reports a rewrite with recomputed hashes (exit 8).
/// </summary>
[NonParallelizable]
public sealed class AuditAnchorTests
{
    private const int Truncated = 7;
    private const int Rewritten = 8;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);

    [Test]
    public async Task AuditVerify_LogCutAfterTheCoordinatorAnchoredIt_ReportsTheCutAgainstTheAnchor()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = TestAssets.NewDirectory("anchor");
        await using var federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = work, PinnedBundleSha256 = [TestAssets.Assets.BundleSha256] }, cts.Token);
        var node = await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], cts.Token);
        using var evaluatorChannel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("anchor", "evaluator"));
        var evaluator = new EvaluatorClient(evaluatorChannel);
        var bundle = await evaluator.UploadBundleAsync(TestAssets.Assets.BundlePath, cts.Token);
        var evaluation = await evaluator.RunToEndAsync(TestAssets.Spec(nodes: ["site-a"], minSites: 1), bundle.Sha256, cts.Token);
        evaluation.State.Should().Be(EvaluationState.Completed);
        // Stopped hard, so nothing more is logged or sent: the file and the anchor stay as they are now.
        await node.KillAsync();
        var auditPath = Path.Combine(node.DataDirectory, "audit", "audit.jsonl");
        var lines = await File.ReadAllLinesAsync(auditPath, cts.Token);
        using var asNode = NodeChannels.For(federation.CoordinatorUrl, node.DataDirectory);
        var anchor = (await new NodeService.NodeServiceClient(asNode).GetAuditAnchorAsync(new GetAuditAnchorRequest(), cancellationToken: cts.Token)).Head;
        var released = AuditLogForgery.Seq(lines.Single(l => l.Contains("\"event\":\"result_released\"", StringComparison.Ordinal)));
        anchor.Sequence.Should().BeGreaterThanOrEqualTo(released, "the result's own head anchors its result_released line");
        AuditLogForgery.Hash(lines[anchor.Sequence - 1]).Should().Be(anchor.EntrySha256);
        (await VerifyAsync(federation, node, "intact", cts.Token)).Code.Should().Be(0);

        var kept = lines[..(int)(anchor.Sequence - 1)];
        await File.WriteAllLinesAsync(auditPath, kept, cts.Token);
        var online = await VerifyAsync(federation, node, "online", cts.Token);
        await federation.StopCoordinatorAsync();
        var offline = await VerifyAsync(federation, node, "offline", cts.Token);

        online.Code.Should().Be(Truncated, online.Output);
        online.Output.Should().Contain($"the coordinator last saw entry #{anchor.Sequence} with hash {anchor.EntrySha256}; the local chain ends at #{anchor.Sequence - 1}");
        offline.Code.Should().Be(Truncated, offline.Output);
        offline.Output.Should().Contain("using the last anchor received from the coordinator").And.Contain($"last saw entry #{anchor.Sequence}");

        await File.WriteAllLinesAsync(auditPath, AuditLogForgery.Rechain(lines, (seq, body) => seq == 3 ? body.Replace("\"at\":\"20", "\"at\":\"19", StringComparison.Ordinal) : body), cts.Token);
        var rewritten = await VerifyAsync(federation, node, "rewritten", cts.Token, "--offline");

        rewritten.Code.Should().Be(Rewritten, rewritten.Output);
        rewritten.Output.Should().Contain("REWRITTEN").And.Contain($"the local entry #{anchor.Sequence} has hash");
    }

    /// <summary>Runs <c>Partages.NodeAgent audit verify</c> as the hospital's operator would.</summary>
    private static async Task<(int Code, string Output)> VerifyAsync(LocalFederation federation, NodeHandle node, string name, CancellationToken cancellationToken, params string[] extra)
    {
        await using var process = ManagedProcess.Start(
            $"audit verify ({name})", Executables.NodeAgent, ["audit", "verify", "--config", node.ConfigPath, .. extra], Path.Combine(federation.LogDirectory, $"audit-verify-{name}.log"));
        var code = await process.Exited.WaitAsync(cancellationToken);
        return (code, process.Output());
    }
}
