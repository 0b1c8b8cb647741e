namespace Partages.Coordinator.Tests.Contract;

/// <summary>docs/api.md, "Progress": Run.done/total come with the unit they count, set from the node's phase.</summary>
public sealed class ProgressUnitTests : EvaluatorFixture
{

    [Test]
    public async Task WatchEvaluation_DownloadThenRunningProgress_BytesThenDocuments()
    {
        var (session, evaluation, runId) = await AcceptedRunAsync("unit-phases");
        await using (session)
        {
            var queued = evaluation.Runs.Single();

            await session.SendAsync(Progress(runId, JobPhase.Downloading, 4096, 10_000));
            var downloading = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().Done == 4096);
            await session.SendAsync(Progress(runId, JobPhase.Running, 30, 120));
            var running = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.Running && e.Runs.Single().Done == 30);

            queued.ProgressUnit.Should().Be(ProgressUnit.Unspecified);
            downloading.Runs.Single().Should().Match<Run>(r => r.State == RunState.Downloading && r.ProgressUnit == ProgressUnit.Bytes && r.Total == 10_000);
            running.Runs.Single().Should().Match<Run>(r => r.ProgressUnit == ProgressUnit.Documents && r.Total == 120);
        }
    }

    [Test]
    public async Task ApiEvaluation_DownloadProgress_ProgressUnitBytes()
    {
        var (session, evaluation, runId) = await AcceptedRunAsync("unit-api");
        await using (session)
        {
            await session.SendAsync(Progress(runId, JobPhase.Downloading, 512, 2048));
            await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().Done == 512);

            using var http = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestPki.TrustOnly(Server.CaCertificate) },
            });
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(Server.Address, $"/api/v1/evaluations/{evaluation.Id}")));

            var run = json.RootElement.GetProperty("runs")[0];
            run.GetProperty("progress_unit").GetString().Should().Be("bytes");
            run.GetProperty("done").GetInt64().Should().Be(512);
            run.GetProperty("total").GetInt64().Should().Be(2048);
        }
    }

    private async Task<(NodeSessionClient Session, Contracts.V1.Evaluation Evaluation, string RunId)> AcceptedRunAsync(string node)
    {
        var enrolled = await Server.EnrollNodeAsync(node);
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec(node), node);
        var session = await enrolled.ConnectWelcomedAsync();
        var runId = (await session.ReadOfferAsync()).RunId;
        await session.AcceptAsync(runId);
        return (session, evaluation, runId);
    }

    private static NodeMessage Progress(string runId, JobPhase phase, long done, long total) =>
        new() { Progress = new JobProgress { RunId = runId, Phase = phase, Done = done, Total = total } };
}
