using Partages.Evaluation.Tasks;
using Partages.NodeAgent.Engine.Tasks;

namespace Partages.NodeAgent.Engine.Tests.Tasks;

public sealed class EngineTasksTests
{
    [Test]
    public void Names_EveryRegisteredTaskType_HasItsEngineSide()
    {
        // A slice registered without its engine class would be accepted by specs and refused by every node.
        EngineTasks.Names.Should().Equal(TaskRegistry.Names);
    }

    [Test]
    public void Get_EveryRegisteredTaskType_ReturnsTheEngineSideOfThatName()
    {
        foreach (var task in TaskRegistry.All)
        {
            EngineTasks.Get(task.Name).Name.Should().Be(task.Name);
        }
    }

    [Test]
    public void Get_UnknownTask_RefusesNamingTheSupportedOnes()
    {
        var act = () => EngineTasks.Get("summarisation");

        act.Should().Throw<EvaluationRefusedException>().WithMessage("task 'summarisation' is not supported by this engine (supported: single_label_classification, multi_label_classification, token_classification, dataset_qc, generative_extraction, multiple_choice_qa)");
    }
}
