using Partages.Evaluation.Specs;

namespace Partages.Coordinator.Scheduling;

/// <summary>A validated submission: the parsed spec, its exact text, the bundle, the target nodes and the bundle's signature if any.</summary>
public sealed record NewEvaluation(
    EvaluationSpec Spec,
    string SpecYaml,
    string ModelBundleSha256,
    IReadOnlyList<string> Nodes,
    string Owner,
    BundleSignature? ModelSignature = null);
