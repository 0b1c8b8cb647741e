using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Isolation;

namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>The job the agent writes to the worker: what the engine needs to count, including the policy's entity bound.</summary>
public sealed class WorkerRequestTests
{
    [Test]
    public void ToJob_RequestOfAJobWithAnEntityBound_KeepsTheBoundThroughTheProtocol()
    {
        var job = new EvaluationJob("/bundle.zip", IsolationTestModel.Spec, new DatasetDefinition("reports", "/reports.jsonl", "jsonl")) { MaxEntitiesPerReport = 4 };

        var line = WorkerProtocol.Serialize(WorkerRequest.From(job, new EvaluationEngineOptions(), RunPlan.Full));
        var received = WorkerProtocol.Deserialize<WorkerRequest>(line).ToJob();

        received.MaxEntitiesPerReport.Should().Be(4, "under differential privacy the worker must count under the policy's bound");
        // By members: the dataset's annotator folders are a list, which record equality compares by reference.
        received.Should().BeEquivalentTo(job with { Spec = received.Spec }, o => o.ComparingByMembers<EvaluationJob>().ComparingByMembers<DatasetDefinition>());
    }

    [Test]
    public void ToJob_RequestWithoutABound_CountsEveryEntity()
    {
        var job = new EvaluationJob("/bundle.zip", IsolationTestModel.Spec, new DatasetDefinition("reports", "/reports.jsonl", "jsonl"));

        var received = WorkerProtocol.Deserialize<WorkerRequest>(WorkerProtocol.Serialize(WorkerRequest.From(job, new EvaluationEngineOptions(), RunPlan.Full))).ToJob();

        received.MaxEntitiesPerReport.Should().BeNull();
    }
}
