namespace Partages.NodeAgent.Engine.Tasks.MultiLabel;

/// <summary>Sigmoid per label, a label predicted at or above the threshold, one-vs-rest counts per label.</summary>
internal sealed class MultiLabelScorer(MultiLabelStatistics counts, int[] manifestToSpec, double threshold) : TaskScorer
{
    public MultiLabelStatistics Counts => counts;

    public double Threshold => threshold;

    public override long DocumentsScored => counts.DocumentCount;

    public override bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities) =>
        ClassProbabilities.Sigmoid(logits, probabilities);

    public override ResultDocument ToResult(string task, InputSummary summary) =>
        MultiLabelResults.Build(task, threshold, counts, summary);

    public override void Add(DocumentScore document)
    {
        var probabilities = document.Probabilities();
        var predicted = new bool[probabilities.Length];
        for (var c = 0; c < probabilities.Length; c++)
        {
            predicted[manifestToSpec[c]] = probabilities[c] >= threshold;
        }

        var gold = new bool[probabilities.Length];
        foreach (var label in document.GoldLabels ?? [])
        {
            gold[label] = true;
        }

        counts.Add(gold, predicted);
        if (Predictions is not null && document.Id is { } id)
        {
            var scores = new double[probabilities.Length];
            for (var c = 0; c < probabilities.Length; c++)
            {
                scores[manifestToSpec[c]] = probabilities[c];
            }

            Predictions.Write(new DocumentPrediction(
                id,
                [.. Labels.Where((_, c) => gold[c])],
                [.. Labels.Where((_, c) => predicted[c])],
                [.. Labels.Select((label, c) => new KeyValuePair<string, double>(label, scores[c]))]));
        }
    }
}
