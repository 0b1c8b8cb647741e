using Partages.Evaluation.Tasks.SingleLabel;

namespace Partages.NodeAgent.Engine.Tasks.SingleLabel;

/// <summary>The engine's side of <see cref="SingleLabelTask"/>: one <c>label</c> per document, jsonl or csv, <see cref="SingleLabelScorer"/>.</summary>
internal sealed class SingleLabelEngineTask : ClassificationEngineTask
{
    public override string Name => SingleLabelTask.TaskName;

    public override GoldKind Gold => GoldKind.SingleLabel;

    public override TaskScorer CreateScorer(IReadOnlyList<string> labels, int[] manifestToSpec, ModelManifest manifest, IPredictionSink? predictions) =>
        new SingleLabelScorer(new ClassificationCounts(labels), manifestToSpec) { Labels = labels, Predictions = predictions };
}
