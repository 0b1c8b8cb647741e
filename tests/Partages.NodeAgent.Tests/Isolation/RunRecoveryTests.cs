using Partages.NodeAgent.Engine.Resilience;

namespace Partages.NodeAgent.Tests.Isolation;

public sealed class RunRecoveryTests
{
    [Test]
    public void After_DiedInABatchOfSeveral_IsolatesThatBatch()
    {
        var next = RunRecovery.After(RunPlan.Full, new DocumentRange(32, 63), batchSize: 32, lines: 100);

        next.Should().BeEquivalentTo(new RunPlan { Isolated = [new DocumentRange(32, 63)] });
    }

    [Test]
    public void After_DiedOnOneDocumentAlone_CountsItFailed()
    {
        var plan = new RunPlan { StartDocument = 40, StartLine = 41, Isolated = [new DocumentRange(32, 63)] };

        var next = RunRecovery.After(plan, new DocumentRange(40, 40), batchSize: 32, lines: 100);

        next.Should().BeEquivalentTo(plan with { Failed = [40] });
    }

    [Test]
    public void After_DiedAgainOnADocumentAlreadyFailed_GivesUp()
    {
        var plan = new RunPlan { Failed = [7] };

        RunRecovery.After(plan, new DocumentRange(7, 7), batchSize: 32, lines: 100).Should().BeNull();
    }

    [Test]
    public void After_DiedBetweenCalls_SuspectsTheNextBatchThenItsFirstDocument()
    {
        var plan = new RunPlan { StartDocument = 10, StartLine = 12 };

        var first = RunRecovery.After(plan, culprit: null, batchSize: 4, lines: 100)!;
        var second = RunRecovery.After(first, culprit: null, batchSize: 4, lines: 100)!;
        var third = RunRecovery.After(second, culprit: null, batchSize: 4, lines: 100)!;

        first.Isolated.Should().Equal(new DocumentRange(10, 13));
        second.Failed.Should().Equal(10);
        third.Failed.Should().Equal(10, 11);
    }

    [Test]
    public void After_DiedBetweenCallsPastTheLastDocument_GivesUp() =>
        RunRecovery.After(new RunPlan { StartDocument = 100, StartLine = 100 }, culprit: null, batchSize: 4, lines: 100).Should().BeNull();

    [Test]
    public void ResumeAt_Checkpoint_DropsWhatItAlreadyCounted()
    {
        var plan = new RunPlan { Isolated = [new DocumentRange(0, 3), new DocumentRange(8, 11)], Failed = [2, 9] };

        var resumed = RunRecovery.ResumeAt(plan, lines: 7, documents: 6);

        resumed.Should().BeEquivalentTo(new RunPlan { StartDocument = 6, StartLine = 7, Isolated = [new DocumentRange(8, 11)], Failed = [9] });
    }
}
