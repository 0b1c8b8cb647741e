using Partages.Coordinator.Results;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;

namespace Partages.Coordinator.Tests.Results;

/// <summary>Intake and pooling of entity recognition and multi-label results on the coordinator.</summary>
public sealed class TaskResultsTests
{
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];
    private static readonly string[] Labels = ["BLSE", "EPC"];

    [Test]
    public void Validate_NerResultWithoutSeqeval_RefusedNamingTheSection()
    {
        var json = ResultJson.Serialize(Ner(correct: 10) with { Seqeval = null });

        ResultIntake.Validate(json, Evaluation(TaskTypes.TokenClassification, Types), out var problem).Should().BeNull();
        problem.Should().Contain("seqeval");
    }

    [Test]
    public void Validate_NerResultWhoseGateWithheldSchemes_AcceptedSincePoolingOmitsThem()
    {
        var json = ResultJson.Serialize(Ner(correct: 10) with { Schemes = null });

        ResultIntake.Validate(json, Evaluation(TaskTypes.TokenClassification, Types), out var problem).Should().NotBeNull(problem);
    }

    [Test]
    public void Validate_NerSchemesLackingAType_Refused()
    {
        var document = Ner(correct: 10);
        var schemes = document.Schemes!.ToDictionary(
            p => p.Key,
            p => p.Value with { PerType = p.Value.PerType.Where(t => t.Key != "STATUS").ToDictionary(t => t.Key, t => t.Value) });

        ResultIntake.Validate(ResultJson.Serialize(document with { Schemes = schemes }), Evaluation(TaskTypes.TokenClassification, Types), out var problem).Should().BeNull();
        problem.Should().Contain("STATUS");
    }

    [Test]
    public void Validate_MultiLabelResult_AcceptedWithItsSectionAndRefusedWithout()
    {
        var document = MultiLabel(threshold: 0.5);
        var evaluation = Evaluation(TaskTypes.MultiLabelClassification, Labels);

        ResultIntake.Validate(ResultJson.Serialize(document), evaluation, out var accepted).Should().NotBeNull(accepted);
        ResultIntake.Validate(ResultJson.Serialize(document with { MultiLabel = null }), evaluation, out var problem).Should().BeNull();
        problem.Should().Contain("multi_label");
    }

    [Test]
    public void Close_TwoNerSites_PooledSchemesAreTheSumAndHeterogeneityOmittedWithWhy()
    {
        var evaluation = Evaluation(TaskTypes.TokenClassification, Types);
        Succeeded(evaluation, "site-a", Ner(correct: 10));
        Succeeded(evaluation, "site-b", Ner(correct: 7));

        ResultPooler.Close(evaluation, DateTimeOffset.UnixEpoch);

        evaluation.Status.Should().Be(EvaluationStatus.Completed);
        var pooled = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        pooled.Pooled!.Schemes![NerSchemes.Strict].PerType["BIOMARKER"].Correct.Should().Be(17);
        pooled.Pooled.Seqeval!.PerType["BIOMARKER"].Tp.Should().Be(17);
        pooled.OmittedSections.Should().ContainSingle(o => o.Section == "heterogeneity");
    }

    [Test]
    public void Close_SitesThatCannotBePooledClosedAsFailed_RecordsTheSitesWithoutPooledResult()
    {
        var evaluation = Evaluation(TaskTypes.MultiLabelClassification, Labels);
        Succeeded(evaluation, "site-a", MultiLabel(threshold: 0.5));
        Succeeded(evaluation, "site-b", MultiLabel(threshold: 0.7));

        var unforced = () => ResultPooler.Close(evaluation, DateTimeOffset.UnixEpoch);
        unforced.Should().Throw<InvalidDataException>();
        ResultPooler.Close(evaluation, DateTimeOffset.UnixEpoch, EvaluationStatus.Failed, "the sites' results could not be pooled");

        evaluation.Status.Should().Be(EvaluationStatus.Failed);
        var pooled = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        pooled.Pooled.Should().BeNull();
        pooled.PerSite.Keys.Should().Equal("site-a", "site-b");
    }

    private static EvaluationEntity Evaluation(string task, string[] labels) => new()
    {
        Id = "ev-1",
        Name = "test",
        SpecYaml = "",
        SpecSha256 = "",
        ModelBundleSha256 = "",
        Owner = "tester",
        Task = task,
        Dataset = "reports",
        LabelsJson = JsonSerializer.Serialize(labels),
        MinSites = 1,
        Status = EvaluationStatus.Running,
    };

    private static void Succeeded(EvaluationEntity evaluation, string node, ResultDocument result) =>
        evaluation.Runs.Add(new RunEntity { Id = $"run-{node}", EvaluationId = evaluation.Id, NodeName = node, Status = RunStatus.Succeeded, ResultJson = ResultJson.Serialize(result) });

    /// <summary>Correct BIOMARKER entities only: one per document.</summary>
    private static ResultDocument Ner(int correct)
    {
        var schemes = new NerSchemeCounts(Types);
        var seqeval = new SeqevalCounts(Types);
        var boundaries = new ClassificationCounts(Types);
        for (var d = 0; d < correct; d++)
        {
            schemes.Add([new NerEntity(0, 5, 0)], [new NerEntity(0, 5, 0)]);
            seqeval.Add(Iob2.Encode([new NerEntity(0, 2, 0)], 4), Iob2.Encode([new NerEntity(0, 2, 0)], 4));
            boundaries.Add(0, 0);
        }

        return NerResults.Build(TaskTypes.TokenClassification, correct, schemes, seqeval, boundaries, new InputSummary { DocumentsRead = correct, DocumentsEvaluated = correct });
    }

    private static ResultDocument MultiLabel(double threshold)
    {
        var statistics = new MultiLabelStatistics(Labels);
        statistics.Add([true, false], [true, false]);
        statistics.Add([false, true], [true, true]);
        return MultiLabelResults.Build(TaskTypes.MultiLabelClassification, threshold, statistics, new InputSummary { DocumentsRead = 2, DocumentsEvaluated = 2 });
    }
}
