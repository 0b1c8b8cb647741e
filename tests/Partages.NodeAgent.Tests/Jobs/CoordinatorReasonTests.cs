using Partages.NodeAgent.Artifacts;
using Partages.NodeAgent.Tests.Admission;

namespace Partages.NodeAgent.Tests.Jobs;

/// <summary>
/// Issue 22, finding 3: the coordinator hears one generic category per outcome, decided by where the run stopped, and
/// never the detailed reason — "inference worker ran out of memory" on one dataset and not another is a bit about its
/// reports. The node's log and audit log keep the details.
/// </summary>
public sealed class CoordinatorReasonTests : FakeCoordinatorFixture
{
    [Test]
    public async Task Offer_EngineFailsWithADetailedReason_CoordinatorHearsTheCategoryAndTheAuditLogTheReason()
    {
        const string detail = "inference worker ran out of memory (limit 4096 MB)";
        var bundle = ServedBundle(1000);
        Engine.Evaluate = (_, _, _) => throw new EvaluationRefusedException(detail);
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-oom", bundle));
        var failed = await session.NextAsync(m => m.Failed is not null);

        failed.Failed.Should().Be(new JobFailed { RunId = "run-oom", Reason = CoordinatorReasons.RunFailed });
        PolicyAdmissionTests.AuditEvents(node).Should().ContainSingle(e => e.Event == "run_failed").Which.Reason.Should().Be(detail);
        node.Logs.Entries.Should().Contain(e => e.EventId.Id == 204 && e.Message.Contains(detail, StringComparison.Ordinal));
    }

    [Test]
    public async Task Offer_UnsignedBundle_CoordinatorHearsTheBundleIsNotTrusted()
    {
        var bundle = ServedBundle(1000);
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();
        var offer = Offers.For("run-unsigned", bundle);
        offer.ModelSignature = null;

        session.Offer(offer);
        var failed = await session.NextAsync(m => m.Failed is not null);

        failed.Failed.Reason.Should().Be(CoordinatorReasons.BundleNotTrusted);
        PolicyAdmissionTests.AuditEvents(node).Should().Contain(e => e.Event == "run_failed" && e.Reason!.Contains("unsigned", StringComparison.Ordinal));
        Engine.Started.IsCompleted.Should().BeFalse("an untrusted bundle is never loaded");
    }

    [Test]
    public async Task Offer_DatasetNotInNodeYaml_KeepsTheOfferChecksOwnReason()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();

        session.Offer(Offers.For("run-elsewhere", Offers.Bundle(1000), dataset: "oncology-reports"));
        var rejected = await session.NextAsync(m => m.Rejected is not null);

        // About the offer and node.yaml alone (the hello lists the datasets), decided before any report is opened.
        rejected.Rejected.Reason.Should().Be("dataset 'oncology-reports' is not exposed by this node");
    }

    [TestCase(RunStage.Admission, typeof(EvaluationRefusedException), CoordinatorReasons.PolicyRefused)]
    [TestCase(RunStage.Download, typeof(ArtifactException), CoordinatorReasons.BundleUnavailable)]
    [TestCase(RunStage.Trust, typeof(EvaluationRefusedException), CoordinatorReasons.BundleNotTrusted)]
    [TestCase(RunStage.Evaluation, typeof(EvaluationRefusedException), CoordinatorReasons.RunFailed)]
    [TestCase(RunStage.Evaluation, typeof(InvalidOperationException), CoordinatorReasons.RunFailed)]
    [TestCase(RunStage.Release, typeof(EvaluationRefusedException), CoordinatorReasons.PolicyRefused)]
    [TestCase(RunStage.Submission, typeof(InvalidOperationException), CoordinatorReasons.RunFailed)]
    public void For_StageAndException_IsTheStagesCategoryWhateverTheMessage(RunStage stage, Type exceptionType, string expected)
    {
        var exception = (Exception)Activator.CreateInstance(exceptionType, "patient Jean Dupont, line 12")!;

        CoordinatorReasons.For(stage, exception).Should().Be(expected).And.BeOneOf(CoordinatorReasons.All);
    }
}
