using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Tasks.SingleLabel;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.LocalMode;
using Partages.NodeAgent.Engine.Scoring;

namespace Partages.NodeAgent.Engine.Tasks.SingleLabel;

/// <summary>The engine's side of <see cref="SingleLabelTask"/>: one <c>label</c> per document, jsonl or csv, <see cref="SingleLabelScorer"/>.</summary>
internal sealed class SingleLabelEngineTask : ClassificationEngineTask
{
    public override string Name => SingleLabelTask.TaskName;

    public override GoldKind Gold => GoldKind.SingleLabel;

    public override TaskScorer CreateScorer(IReadOnlyList<string> labels, int[] manifestToSpec, ModelManifest manifest, IPredictionSink? predictions) =>
        new SingleLabelScorer(new ClassificationCounts(labels), manifestToSpec) { Labels = labels, Predictions = predictions };
}
