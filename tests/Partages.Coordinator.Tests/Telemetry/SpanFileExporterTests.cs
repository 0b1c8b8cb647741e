using System.Diagnostics;
using Partages.Coordinator.Telemetry;
using Partages.Telemetry;

namespace Partages.Coordinator.Tests.Telemetry;

public sealed class SpanFileExporterTests
{
    [Test]
    public void ToJsonLine_ChildSpanWithTags_OneLineWithEveryDocumentedField()
    {
        using var source = new ActivitySource("SpanFileExporterTests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using var span = source.StartActivity("run.offer", ActivityKind.Producer, parent)!;
        span.SetTag("partages.node", "site-a");
        span.SetTag("partages.count", 3L);
        span.SetTag("partages.stored", true);
        span.Stop();

        var line = SpanFileExporter.ToJsonLine(span);

        line.Should().NotContain("\n");
        var json = JsonDocument.Parse(line).RootElement;
        json.GetProperty("trace_id").GetString().Should().Be(parent.TraceId.ToHexString());
        json.GetProperty("span_id").GetString().Should().Be(span.SpanId.ToHexString());
        json.GetProperty("parent_span_id").GetString().Should().Be(parent.SpanId.ToHexString());
        json.GetProperty("name").GetString().Should().Be("run.offer");
        json.GetProperty("source").GetString().Should().Be("SpanFileExporterTests");
        json.GetProperty("kind").GetString().Should().Be("producer");
        json.GetProperty("start").GetString().Should().EndWith("Z");
        json.GetProperty("duration_ms").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        var tags = json.GetProperty("tags");
        tags.GetProperty("partages.node").GetString().Should().Be("site-a");
        tags.GetProperty("partages.count").GetInt64().Should().Be(3);
        tags.GetProperty("partages.stored").GetBoolean().Should().BeTrue();
    }

    [Test]
    public void Validate_SpanFileIsADirectoryAndOtlpEndpointIsNotAUrl_ListsBothErrors()
    {
        var directory = Path.GetTempPath();

        var errors = CoordinatorTelemetryOptionsValidator.Collect(new CoordinatorTelemetryOptions { SpanFile = directory }, "collector:4317");

        errors.Should().HaveCount(2);
        errors[0].Should().Contain("SpanFile").And.Contain("directory");
        errors[1].Should().Contain("OTEL_EXPORTER_OTLP_ENDPOINT");
    }
}
