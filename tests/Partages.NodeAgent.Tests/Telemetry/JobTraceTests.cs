using Partages.NodeAgent.Telemetry;

namespace Partages.NodeAgent.Tests.Telemetry;

public sealed class JobTraceTests
{
    private readonly List<Activity> _stopped = [];
    private ActivityListener _listener = null!;

    [SetUp]
    public void Listen()
    {
        _stopped.Clear();
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == NodeAgentTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [TearDown]
    public void StopListening() => _listener.Dispose();

    [Test]
    public void Start_OfferWithTraceParent_JobIsItsChildAndPhasesFollowOneAnother()
    {
        var offerSpan = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var offer = new JobOffer { RunId = "run_1", EvaluationId = "ev_1", TraceParent = $"00-{offerSpan.TraceId}-{offerSpan.SpanId}-01" };

        using (var trace = JobTrace.Start(offer))
        {
            trace.Phase(NodeAgentTelemetry.DownloadSpan);
            trace.Phase(NodeAgentTelemetry.EvaluateSpan);
            Activity.Current!.DisplayName.Should().Be(NodeAgentTelemetry.EvaluateSpan, "work done now nests under the current phase");
            trace.Phase(NodeAgentTelemetry.ReleaseSpan);
        }

        _stopped.Select(a => a.DisplayName).Should().Equal("download", "evaluate", "release", "job");
        var job = _stopped[^1];
        job.TraceId.Should().Be(offerSpan.TraceId);
        job.ParentSpanId.Should().Be(offerSpan.SpanId);
        job.GetTagItem("partages.run_id").Should().Be("run_1");
        job.GetTagItem(NodeAgentTelemetry.OutcomeTag).Should().Be("succeeded");
        _stopped.Take(3).Should().OnlyContain(phase => phase.ParentSpanId == job.SpanId);
    }

    [Test]
    public void Observe_FailedMessageInTheJobsFlow_JobEndsWithErrorStatusAndOutcome()
    {
        using (var trace = JobTrace.Start(new JobOffer { RunId = "run_2" }))
        {
            trace.Phase(NodeAgentTelemetry.EvaluateSpan);
            NodeAgentTelemetry.Observe(new NodeMessage { Failed = new JobFailed { RunId = "run_2", Reason = "dataset 'amr-reports' is not readable" } });
        }

        var job = _stopped.Single(a => a.DisplayName == "job");
        job.ParentSpanId.Should().Be(default(ActivitySpanId), "an offer without trace_parent starts a trace of its own");
        job.Status.Should().Be(ActivityStatusCode.Error);
        job.StatusDescription.Should().Be("dataset 'amr-reports' is not readable");
        job.GetTagItem(NodeAgentTelemetry.OutcomeTag).Should().Be("failed");
    }

    [Test]
    public void Observe_OutsideAnyJob_ReturnsTheMessageUntouched()
    {
        var message = new NodeMessage { Rejected = new JobRejected { RunId = "run_3", Reason = "busy" } };

        NodeAgentTelemetry.Observe(message).Should().BeSameAs(message);
        _stopped.Should().BeEmpty();
    }
}
