using System.Text.Json;
using Google.Protobuf;
using Partages.Evaluation;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// One evaluation traced across real processes: every process writes its spans to a JSON-lines file
/// (docs/observability.md), and the files must form one trace from the submission to each node's job and back to
/// the coordinator's result intake.
/// </summary>
[NonParallelizable]
public sealed class TelemetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Spans are written when they end; a node's job span ends just after the coordinator has the result.</summary>
    private static readonly TimeSpan SpanWait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Evaluation_SpanFilesOnEveryProcess_NodeJobsJoinTheSubmissionTraceAndIntakeContinuesEachJob()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var assets = TestAssets.Assets;
        var workDirectory = TestAssets.NewDirectory("telemetry");
        string[] sites = ["site-a", "site-b"];
        await using var federation = await LocalFederation.StartAsync(
            new FederationOptions { WorkDirectory = workDirectory, PinnedBundleSha256 = [assets.BundleSha256], SpanFileDirectory = Path.Combine(workDirectory, "spans") }, cts.Token);
        await federation.AddNodeAsync(sites[0], [new NodeDataset("amr-reports", assets.Hospitals[0].AmrPath)], cts.Token);
        await federation.AddNodeAsync(sites[1], [new NodeDataset("amr-reports", assets.Hospitals[1].AmrPath)], cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("e2e", "evaluator", cts.Token));
        var client = new EvaluationService.EvaluationServiceClient(channel);

        var bundle = await UploadAsync(client, assets.BundlePath, cts.Token);
        var submitted = await client.SubmitEvaluationAsync(
            new SubmitEvaluationRequest { SpecYaml = TestAssets.Spec(nodes: sites, minSites: 2), ModelBundleSha256 = bundle.Sha256 },
            cancellationToken: cts.Token);
        var final = await WatchUntilFinalAsync(client, submitted.Id, cts.Token);

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        var coordinatorFile = federation.SpanFile("coordinator")!;
        var submission = (await WaitForSpanAsync(coordinatorFile, s => s.Name == "evaluation.submit" && s.Tag("partages.evaluation_id") == submitted.Id, cts.Token));
        foreach (var site in sites)
        {
            var nodeFile = federation.SpanFile(site)!;
            var job = await WaitForSpanAsync(nodeFile, s => s.Name == "job" && s.Tag("partages.evaluation_id") == submitted.Id, cts.Token);
            job.TraceId.Should().Be(submission.TraceId, $"{site}'s job continues the evaluator's trace");
            job.Source.Should().Be("Partages.NodeAgent");
            job.Tag("partages.outcome").Should().Be("succeeded");

            // coordinator → node: the job's parent is the coordinator's offer of this run, a child of the submission.
            var offer = SpanLine.ReadAll(coordinatorFile).Single(s => s.SpanId == job.ParentSpanId);
            offer.Name.Should().Be("run.offer");
            offer.ParentSpanId.Should().Be(submission.SpanId);
            offer.Tag("partages.node").Should().Be(site);
            var runId = job.Tag("partages.run_id");
            offer.Tag("partages.run_id").Should().Be(runId);

            var phases = SpanLine.ReadAll(nodeFile).Where(s => s.ParentSpanId == job.SpanId && s.Source == "Partages.NodeAgent").Select(s => s.Name);
            phases.Should().Equal("download", "evaluate", "release");

            // node → coordinator: the intake of this run's result is a descendant of the node's job span, through
            // the node's SubmitResult client span and the coordinator's gRPC server span.
            var intake = await WaitForSpanAsync(coordinatorFile, s => s.Name == "result.intake" && s.Tag("partages.run_id") == runId, cts.Token);
            intake.TraceId.Should().Be(submission.TraceId);
            var chain = await WaitForChainAsync([coordinatorFile, nodeFile], intake, job.SpanId, cts.Token);
            chain.Select(s => s.Source).Should().Contain("Partages.NodeAgent").And.Contain("Partages.Coordinator");
            await TestContext.Out.WriteLineAsync($"{site}: " + string.Join(" ← ", chain.Select(s => $"{s.Name} ({s.Source})")) + $" ← job ← {offer.Name} ← {submission.Name}");
        }

        var pooling = await WaitForSpanAsync(coordinatorFile, s => s.Name == "evaluation.pool" && s.Tag("partages.evaluation_id") == submitted.Id, cts.Token);
        pooling.TraceId.Should().Be(submission.TraceId, "the last result's intake closes the evaluation inside the same trace");

        // Spans hold ids, hashes and counts: no report's text nor a document id reaches any span file.
        var firstDocument = JsonDocument.Parse(File.ReadLines(assets.Hospitals[0].AmrPath).First(l => l.Length > 0)).RootElement;
        var text = firstDocument.GetProperty("text").GetString()!;
        var documentId = firstDocument.GetProperty("id").GetString()!;
        foreach (var file in Directory.GetFiles(Path.Combine(workDirectory, "spans")))
        {
            var content = await File.ReadAllTextAsync(file, cts.Token);
            content.Should().NotContain(text[..Math.Min(40, text.Length)]).And.NotContain($"\"{documentId}\"");
        }
    }

    private static async Task<ArtifactRef> UploadAsync(EvaluationService.EvaluationServiceClient client, string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        using var call = client.UploadArtifact(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new UploadArtifactRequest
        {
            Header = new ArtifactRef { Sha256 = ContentHash.Of(bytes), SizeBytes = bytes.Length, MediaType = "application/zip" },
        }, cancellationToken);
        for (var offset = 0; offset < bytes.Length; offset += 256 * 1024)
        {
            await call.RequestStream.WriteAsync(new UploadArtifactRequest { Data = ByteString.CopyFrom(bytes, offset, Math.Min(256 * 1024, bytes.Length - offset)) }, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    private static async Task<Contracts.V1.Evaluation> WatchUntilFinalAsync(EvaluationService.EvaluationServiceClient client, string id, CancellationToken cancellationToken)
    {
        using var call = client.WatchEvaluation(new GetEvaluationRequest { EvaluationId = id }, cancellationToken: cancellationToken);
        Contracts.V1.Evaluation? last = null;
        await foreach (var snapshot in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            last = snapshot;
        }

        return last ?? throw new InvalidOperationException("The watch ended without a snapshot.");
    }

    /// <summary>
    /// The first span in the files matching <paramref name="match"/>. Spans are appended as they end, in
    /// other processes, with no signal to wait on: the file is read again every 100 ms, for at most <see cref="SpanWait"/>.
    /// </summary>
    private static Task<SpanLine> WaitForSpanAsync(string file, Func<SpanLine, bool> match, CancellationToken cancellationToken) =>
        WaitForSpanAsync([file], match, cancellationToken);

    private static async Task<SpanLine> WaitForSpanAsync(string[] files, Func<SpanLine, bool> match, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(SpanWait);
        while (true)
        {
            if (files.SelectMany(SpanLine.ReadAll).FirstOrDefault(match) is { } span)
            {
                return span;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), bound.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No matching span in {string.Join(", ", files)} within {SpanWait.TotalSeconds:0} s.");
            }
        }
    }

    /// <summary>Follows parents from <paramref name="from"/> across the files until <paramref name="ancestorSpanId"/>; waits (bounded) for spans still being written.</summary>
    private static async Task<List<SpanLine>> WaitForChainAsync(string[] files, SpanLine from, string ancestorSpanId, CancellationToken cancellationToken)
    {
        var chain = new List<SpanLine> { from };
        var current = from;
        while (current.ParentSpanId != ancestorSpanId)
        {
            current.ParentSpanId.Should().NotBeEmpty($"the chain from {from.Name} must reach the node's job span, but {current.Name} ({current.Source}) is a root");
            var parentId = current.ParentSpanId;
            current = await WaitForSpanAsync(files, s => s.SpanId == parentId, cancellationToken);
            chain.Add(current);
            chain.Count.Should().BeLessThan(20, "a parent chain this long means a cycle");
        }

        return chain;
    }
}
