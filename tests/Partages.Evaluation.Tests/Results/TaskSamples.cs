using Partages.Evaluation.Quality;
using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.DatasetQc;
using Partages.Evaluation.Tasks.EntityRecognition;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.Evaluation.Tasks.MultiLabel;
using Partages.Evaluation.Tasks.MultipleChoice;
using Partages.Evaluation.Tokenization;

namespace Partages.Evaluation.Tests.Results;

/// <summary>
/// One random site result per registered task type, as its engine would produce it, with the spec labels it is read
/// with: what a test over <see cref="TaskRegistry.All"/> needs. A task type added without a sample here fails those
/// tests, naming it.
/// </summary>
internal static class TaskSamples
{
    private static readonly string[] Classes = ["sensible", "BLSE", "SARM"];
    private static readonly string[] EntityTypes = ["BIOMARKER", "DRUG"];
    private static readonly string[] Options = ["A", "B", "C", "D", "E"];
    private static readonly DecodingRecord Decoding = new(DecodingRecord.Greedy, 16, null, DecodingRecord.EngineLogitMask);

    /// <summary>The spec labels of <paramref name="task"/>'s sample.</summary>
    public static IReadOnlyList<string> Labels(string task) => task switch
    {
        TaskTypes.MultiLabelClassification or TaskTypes.SingleLabelClassification or DatasetQcTask.TaskName => Classes,
        TaskTypes.TokenClassification => EntityTypes,
        GenerativeExtractionTask.TaskName => Tasks.GenerativeExtraction.GenerativeExtractionTaskTests.Labels,
        MultipleChoiceTask.TaskName => Options,
        _ => throw new AssertionException($"no sample for task '{task}': add one to TaskSamples"),
    };

    /// <summary>A random site result of <paramref name="task"/> over about <paramref name="documents"/> reports, exact, as read back from JSON.</summary>
    public static ResultDocument Site(string task, Random random, int documents)
    {
        var result = task switch
        {
            TaskTypes.SingleLabelClassification => SecureSumLayoutTests.Build(random, documents, skipped: random.Next(0, 3)),
            TaskTypes.MultiLabelClassification => MultiLabel(random, documents),
            TaskTypes.TokenClassification => Entities(random, documents),
            DatasetQcTask.TaskName => Quality(random, documents),
            // Its own random site (5 to 40 reports) and fields.
            GenerativeExtractionTask.TaskName => Tasks.GenerativeExtraction.GenerativeExtractionTaskTests.RandomSite(random),
            MultipleChoiceTask.TaskName => MultipleChoice(random, documents),
            _ => throw new AssertionException($"no sample for task '{task}': add one to TaskSamples"),
        };
        return ResultJson.DeserializeSite(ResultJson.Serialize(result));
    }

    private static ResultDocument MultiLabel(Random random, int documents)
    {
        var statistics = new MultiLabelStatistics(Classes);
        for (var d = 0; d < documents; d++)
        {
            bool[] gold = [.. Classes.Select(_ => random.NextDouble() < 0.4)], predicted = [.. Classes.Select(_ => random.NextDouble() < 0.4)];
            statistics.Add(gold, predicted);
        }

        return MultiLabelResults.Build(TaskTypes.MultiLabelClassification, 0.5, statistics, new InputSummary { DocumentsRead = documents, DocumentsEvaluated = documents });
    }

    private static ResultDocument Entities(Random random, int documents)
    {
        const int length = 30;
        var words = Enumerable.Range(0, length).Select(i => new NerWord(i, i + 1, i)).ToArray();
        // Counted under the bounds a private release needs (3 entities, 300 words per report, as the tests' policies say).
        var statistics = new NerStatistics(EntityTypes, maxEntitiesPerReport: 3, maxWordsPerReport: 300);
        for (var d = 0; d < documents; d++)
        {
            var gold = Metrics.RandomNerEntities.Draw(random, EntityTypes.Length, length);
            statistics.Add(gold, words, Iob2.Encode(Metrics.RandomNerEntities.Draw(random, EntityTypes.Length, length), length));
        }

        return NerResults.Build(TaskTypes.TokenClassification, statistics, new InputSummary { DocumentsRead = documents, DocumentsEvaluated = documents });
    }

    private static ResultDocument Quality(Random random, int documents)
    {
        var counter = new DatasetQcCounter(DatasetQcAnnotation.Labels, Classes, ["a", "b"], null);
        var profile = new DatasetProfile { Counter = counter };
        for (var d = 0; d < documents; d++)
        {
            var (a, b) = (Classes[random.Next(Classes.Length)], Classes[random.Next(Classes.Length)]);
            profile.Add(new QcDocument($"compte rendu {d} {random.Next()}", [a], []) { LabelsByAnnotator = [a, b] });
        }

        return DatasetQcResults.Build(DatasetQcTask.TaskName, counter.Documents, counter.ToSection(), release: null);
    }

    private static ResultDocument MultipleChoice(Random random, int documents)
    {
        var counts = new MultipleChoiceCounts(Options.Length);
        HashSet<string> RandomSet() => [.. Options.Where(_ => random.NextDouble() < 0.35).DefaultIfEmpty(Options[random.Next(Options.Length)])];
        for (var d = 0; d < documents; d++)
        {
            var invalid = random.NextDouble() < 0.2;
            counts.Add(RandomSet(), invalid ? null : RandomSet(), invalid ? AnswerInvalidKinds.All[random.Next(AnswerInvalidKinds.All.Count)] : MultipleChoiceSection.Valid, random.NextDouble() < 0.1);
        }

        var questions = counts.Histogram.Sum();
        return MultipleChoiceResults.Build(
            MultipleChoiceTask.TaskName, counts.Bins, counts.Histogram, counts.Outputs, counts.Truncated, Decoding,
            new InputSummary { DocumentsRead = questions, DocumentsEvaluated = questions }, release: null);
    }
}
