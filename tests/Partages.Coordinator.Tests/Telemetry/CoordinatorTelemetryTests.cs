using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Partages.Coordinator.Tests.Telemetry;

/// <summary>
/// One evaluation run by hand (a test node, an evaluator) on a coordinator with a span file, then read back as
/// an operator would: /metrics in the Prometheus text format, and the spans in the file.
/// </summary>
public sealed class CoordinatorTelemetryTests
{
    private const string Site = "metrics-site";

    private static readonly long[][] Matrix = [[10, 1, 0, 0], [2, 8, 0, 0], [0, 0, 5, 1], [0, 0, 0, 3]];

    private TestCoordinator _coordinator = null!;
    private string _spanFile = "";
    private string _viewerToken = "";
    private Contracts.V1.Evaluation _final = null!;
    private JobOffer _offer = null!;
    private ActivityContext _nodeJob;
    private NodeSessionClient _session = null!;

    [OneTimeSetUp]
    public async Task RunOneEvaluationAsync()
    {
        _spanFile = Path.Combine(TestCoordinator.NewDataDir() + "-spans", "coordinator.spans.jsonl");
        _coordinator = await TestCoordinator.StartAsync(settings: $"--Coordinator:Telemetry:SpanFile={_spanFile}");
        _viewerToken = await _coordinator.ApiTokenAsync("metrics-viewer", "viewer");
        var evaluator = _coordinator.EvaluatorClient(await _coordinator.ApiTokenAsync("metrics-evaluator", "evaluator"));
        var bundle = await Evaluations.UploadBundleAsync(evaluator);
        var node = await _coordinator.EnrollNodeAsync(Site);
        // Kept open until the fixture ends: the node is online while the metrics are read.
        var session = _session = await node.ConnectAsync();
        await session.ReadWelcomeAsync();

        var submitted = await Evaluations.SubmitAsync(evaluator, bundle.Sha256, Evaluations.Spec("telemetry"), Site);
        _offer = await session.ReadOfferAsync();
        await session.AcceptAsync(_offer.RunId);
        using (var download = node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = bundle.Sha256 }, deadline: TestCoordinator.Deadline()))
        {
            await foreach (var _ in download.ResponseStream.ReadAllAsync())
            {
                // Read to the end: the coordinator counts the bytes it serves.
            }
        }

        await session.SendAsync(new NodeMessage { Progress = new JobProgress { RunId = _offer.RunId, Phase = JobPhase.Running, Done = 12, Total = Documents } });
        await Evaluations.WatchUntilAsync(evaluator, submitted.Id, e => e.Runs.Single().Done == 12);

        // The node's job span, as a node would make it from the offer: same trace, a span of its own.
        ActivityContext.TryParse(_offer.TraceParent, null, out var offerContext).Should().BeTrue(_offer.TraceParent);
        _nodeJob = new ActivityContext(offerContext.TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var result = WithPrivacy(Evaluations.SiteResult(Matrix), epsilon: 0.5);
        await node.Client.SubmitResultAsync(
            new SubmitResultRequest { RunId = _offer.RunId, ResultJson = result, ResultSha256 = Evaluation.ContentHash.Of(result) },
            new Metadata { { "traceparent", $"00-{_nodeJob.TraceId.ToHexString()}-{_nodeJob.SpanId.ToHexString()}-01" } },
            deadline: TestCoordinator.Deadline());
        _final = await Evaluations.WatchUntilAsync(evaluator, submitted.Id, e => e.State != EvaluationState.Running);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _session.DisposeAsync();
        var errors = _coordinator.Errors.Errors.ToList();
        await _coordinator.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_spanFile)!, recursive: true);
        errors.Should().BeEmpty();
    }

    private static long Documents => Matrix.Sum(row => row.Sum());

    [Test]
    public async Task Metrics_AfterAnEvaluation_ServesTheNamedMetricsWithTheirValues()
    {
        _final.State.Should().Be(EvaluationState.Completed);

        var (status, text) = await ScrapeAsync(_viewerToken);

        status.Should().Be(HttpStatusCode.OK, text);
        var samples = PrometheusSamples(text);
        samples.Should().Contain("partages_nodes_online", 1);
        samples.Should().Contain("partages_runs{state=\"succeeded\"}", 1);
        samples.Should().Contain("partages_runs{state=\"running\"}", 0);
        samples.Should().Contain("partages_evaluations{state=\"completed\"}", 1);
        samples.Should().Contain("partages_evaluations_finished_total{state=\"completed\"}", 1);
        samples.Should().Contain("partages_runs_finished_total{state=\"succeeded\"}", 1);
        // 12 from the progress report, the rest at intake from the result's input_summary.
        samples.Should().Contain($"partages_documents_processed_total{{node=\"{Site}\"}}", Documents);
        samples.Should().Contain($"partages_release_gate_epsilon_total{{node=\"{Site}\"}}", 0.5);
        samples.Should().Contain($"partages_artifacts_bytes_served_bytes_total{{node=\"{Site}\"}}", 10_000);
        // The node's certificate was issued for the default 365 days on the coordinator's (test) clock.
        samples[$"partages_node_certificate_remaining_seconds{{node=\"{Site}\"}}"].Should().BeInRange(TimeSpan.FromDays(364).TotalSeconds, TimeSpan.FromDays(365).TotalSeconds);
    }

    [TestCase(null)]
    [TestCase("pta_not-a-token")]
    public async Task Metrics_WithoutAValidApiToken_Unauthorized(string? token)
    {
        var (status, _) = await ScrapeAsync(token);

        status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Spans_OneEvaluation_SubmissionOfferIntakeAndPoolingShareOneTrace()
    {
        var spans = await SpansWhenAsync(all => all.Any(s => s.Name == "evaluation.pool"));

        var submission = spans.Single(s => s.Name == "evaluation.submit");
        submission.Tags["partages.evaluation_id"].Should().Be(_final.Id);
        var offer = spans.Single(s => s.Name == "run.offer");
        offer.ParentSpanId.Should().Be(submission.SpanId);
        offer.TraceId.Should().Be(submission.TraceId);
        offer.Tags["partages.node"].Should().Be(Site);
        _offer.TraceParent.Should().Be($"00-{offer.TraceId}-{offer.SpanId}-01", "the offer carries its own span's context to the node");

        var intake = spans.Single(s => s.Name == "result.intake");
        intake.TraceId.Should().Be(submission.TraceId);
        intake.Tags["partages.run_id"].Should().Be(_offer.RunId);
        var server = spans.Single(s => s.SpanId == intake.ParentSpanId);
        server.Source.Should().Be("Microsoft.AspNetCore");
        server.ParentSpanId.Should().Be(_nodeJob.SpanId.ToHexString(), "SubmitResult's server span continues the node's context from the call's metadata");

        var pooling = spans.Single(s => s.Name == "evaluation.pool");
        pooling.ParentSpanId.Should().Be(intake.SpanId, "the last result closes the evaluation");
        pooling.TraceId.Should().Be(submission.TraceId);
    }

    [Test]
    public async Task Spans_OneEvaluation_CarryNoResultPayload()
    {
        var spans = await SpansWhenAsync(all => all.Any(s => s.Name == "evaluation.pool"));

        var text = string.Join("\n", spans.SelectMany(s => s.Tags.Values));
        text.Should().NotContain("confusion_matrix").And.NotContain("input_summary");
        spans.Single(s => s.Name == "result.intake").Tags["partages.result_sha256"].Should().MatchRegex("^[0-9a-f]{64}$");
    }

    private async Task<(HttpStatusCode Status, string Text)> ScrapeAsync(string? token)
    {
        using var handler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestPki.TrustOnly(_coordinator.CaCertificate) } };
        using var http = new HttpClient(handler) { BaseAddress = _coordinator.Address, Timeout = TestCoordinator.CallTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Each sample line ("name{labels} value [timestamp]") as name{labels} → value, labels without otel_scope_* noise.</summary>
    private static Dictionary<string, double> PrometheusSamples(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var end = line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : line.IndexOf(' ', StringComparison.Ordinal);
            var series = line[..end];
            var value = line[end..].Trim().Split(' ')[0];
            if (series.IndexOf('{', StringComparison.Ordinal) is var open and >= 0)
            {
                var labels = series[(open + 1)..^1].Split(',').Where(l => !l.StartsWith("otel_scope_", StringComparison.Ordinal));
                series = series[..open] + (labels.Any() ? "{" + string.Join(",", labels) + "}" : "");
            }

            samples[series] = double.Parse(value, CultureInfo.InvariantCulture);
        }

        return samples;
    }

    /// <summary>The site result as if released under differential privacy at <paramref name="epsilon"/> (no noise added: the metric reads ε only).</summary>
    private static string WithPrivacy(string resultJson, double epsilon)
    {
        var document = JsonNode.Parse(resultJson)!.AsObject();
        document["release"] = new JsonObject
        {
            ["withheld_sections"] = new JsonArray(),
            ["differential_privacy"] = new JsonObject
            {
                ["mechanism"] = "discrete_gaussian",
                ["neighbouring"] = "replace_one",
                ["rho"] = 0.01,
                ["epsilon"] = epsilon,
                ["delta"] = 1e-6,
                ["noise_variance"] = new JsonObject { ["outcome_counts"] = 0.0001 },
            },
        };
        return document.ToJsonString();
    }

    /// <summary>
    /// The span file once <paramref name="ready"/> holds. Spans are appended when they end, and the gRPC server spans
    /// end just after the client has its response: read again every 50 ms, for at most the call timeout.
    /// </summary>
    private async Task<IReadOnlyList<SpanLine>> SpansWhenAsync(Func<IReadOnlyList<SpanLine>, bool> ready)
    {
        var deadline = DateTime.UtcNow + TestCoordinator.CallTimeout;
        while (true)
        {
            var spans = SpanLine.ReadAll(_spanFile);
            if (ready(spans) || DateTime.UtcNow > deadline)
            {
                return spans;
            }

            await Task.Delay(50);
        }
    }
}
