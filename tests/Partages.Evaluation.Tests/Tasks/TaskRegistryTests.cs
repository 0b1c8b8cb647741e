namespace Partages.Evaluation.Tests.Tasks;

public sealed class TaskRegistryTests
{
    [Test]
    public void Names_EveryRegisteredSlice_AreTheWireNamesSpecsAndManifestsCarry()
    {
        TaskRegistry.Names.Should().Equal(TaskTypes.SingleLabelClassification, TaskTypes.MultiLabelClassification, TaskTypes.TokenClassification, "dataset_qc", TaskTypes.GenerativeExtraction, TaskTypes.MultipleChoiceQa);
        TaskTypes.All.Should().Equal(TaskRegistry.Names);
    }

    [TestCase(TaskTypes.SingleLabelClassification)]
    [TestCase(TaskTypes.MultiLabelClassification)]
    [TestCase(TaskTypes.TokenClassification)]
    [TestCase("dataset_qc")]
    [TestCase(TaskTypes.GenerativeExtraction)]
    [TestCase(TaskTypes.MultipleChoiceQa)]
    public void Get_RegisteredName_ReturnsTheSliceOfThatName(string name)
    {
        TaskRegistry.Get(name).Name.Should().Be(name);
        TaskRegistry.IsKnown(name).Should().BeTrue();
    }

    [TestCase("classification")]
    [TestCase("")]
    [TestCase(null)]
    public void Find_UnknownName_ReturnsNull(string? name)
    {
        TaskRegistry.Find(name).Should().BeNull();
        TaskRegistry.IsKnown(name).Should().BeFalse();
    }

    [Test]
    public void Get_UnknownName_ThrowsNamingTheKnownTasks()
    {
        var act = () => TaskRegistry.Get("summarisation");

        act.Should().Throw<ArgumentException>().WithMessage("*summarisation*single_label_classification*token_classification*");
    }

    [TestCase(TaskTypes.SingleLabelClassification, 2, false, false, false)]
    [TestCase(TaskTypes.MultiLabelClassification, 2, false, true, false)]
    [TestCase(TaskTypes.TokenClassification, 1, true, false, true)]
    public void Slice_SpecAndPresentationRules_AreTheTasksOwn(string name, int minimumLabels, bool matchesEntities, bool labelPairs, bool entities)
    {
        var task = TaskRegistry.Get(name);

        task.MinimumLabels.Should().Be(minimumLabels);
        task.MatchesEntities.Should().Be(matchesEntities);
        task.MatrixCountsLabelPairs.Should().Be(labelPairs);
        task.CountsEntities.Should().Be(entities);
        task.UsesModel.Should().BeTrue();
    }

    [Test]
    public void DatasetQc_Slice_RunsNoModelAndProfilesTheDataset()
    {
        var task = TaskRegistry.Get("dataset_qc");

        task.UsesModel.Should().BeFalse();
        task.ProfilesDataset.Should().BeTrue();
        task.MinimumLabels.Should().Be(1);
    }
}
