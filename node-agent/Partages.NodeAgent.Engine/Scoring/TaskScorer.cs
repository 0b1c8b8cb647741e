using Partages.Evaluation.Metrics;
using Partages.NodeAgent.Engine.Metrics;

namespace Partages.NodeAgent.Engine.Scoring;

/// <summary>
/// What a task does with scores: how a window's logits become probabilities, and how a complete document's
/// probabilities become a prediction added to the task's sufficient statistics. Called from the scoring task only.
/// </summary>
internal abstract class TaskScorer
{
    public abstract long DocumentsScored { get; }

    /// <returns>False when the logits give no probabilities.</returns>
    public abstract bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities);

    /// <summary>Adds a complete, valid document.</summary>
    public abstract void Add(DocumentScore document);
}

/// <summary>Softmax, argmax, one confusion-matrix cell per document.</summary>
internal sealed class SingleLabelScorer(ClassificationCounts counts, int[] manifestToSpec) : TaskScorer
{
    public ClassificationCounts Counts => counts;

    public override long DocumentsScored => counts.DocumentCount;

    public override bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities) =>
        ClassProbabilities.Softmax(logits, probabilities);

    public override void Add(DocumentScore document) =>
        counts.Add(document.GoldLabel, manifestToSpec[ClassProbabilities.ArgMax(document.Probabilities())]);
}

/// <summary>Sigmoid per label, a label predicted at or above the threshold, one-vs-rest counts per label.</summary>
internal sealed class MultiLabelScorer(MultiLabelCounts counts, int[] manifestToSpec, double threshold) : TaskScorer
{
    public MultiLabelCounts Counts => counts;

    public double Threshold => threshold;

    public override long DocumentsScored => counts.DocumentCount;

    public override bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities) =>
        ClassProbabilities.Sigmoid(logits, probabilities);

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
    }
}
