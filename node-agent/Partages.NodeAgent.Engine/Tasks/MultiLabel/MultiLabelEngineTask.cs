using Partages.Evaluation.Tasks.MultiLabel;

namespace Partages.NodeAgent.Engine.Tasks.MultiLabel;

/// <summary>The engine's side of <see cref="MultiLabelTask"/>: a <c>labels</c> array per document (jsonl only), <see cref="MultiLabelScorer"/> at the manifest's threshold.</summary>
internal sealed class MultiLabelEngineTask : ClassificationEngineTask
{
    public override string Name => MultiLabelTask.TaskName;

    public override GoldKind Gold => GoldKind.MultiLabel;

    public override TaskScorer CreateScorer(IReadOnlyList<string> labels, int[] manifestToSpec, ModelManifest manifest, IPredictionSink? predictions) =>
        new MultiLabelScorer(new MultiLabelStatistics(labels), manifestToSpec, manifest.Threshold) { Labels = labels, Predictions = predictions };
}
