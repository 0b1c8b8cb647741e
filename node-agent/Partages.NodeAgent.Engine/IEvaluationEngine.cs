using Partages.Evaluation.Specs;

namespace Partages.NodeAgent.Engine;

/// <summary>A dataset as the node's configuration declares it. Paths are absolute by the time they reach the engine.</summary>
public sealed record DatasetDefinition(string Name, string Path, string Format)
{
    /// <summary>
    /// A brat dataset's other annotators: each a folder of the same texts with that annotator's <c>.ann</c>, by the name
    /// a spec's <c>annotators</c> gives it (node.yaml's <c>annotators</c>). The dataset's own folder is the annotator
    /// <see cref="AnnotatorFolder.Own"/>, as a JSONL file's <c>entities</c> field is.
    /// </summary>
    public IReadOnlyList<AnnotatorFolder> AnnotatorFolders { get; init; } = [];
}

/// <summary>One annotator's brat folder of a dataset's texts.</summary>
public sealed record AnnotatorFolder(string Name, string Path)
{
    /// <summary>The annotator whose entities are the brat dataset's own folder (a JSONL file's <c>entities</c> field).</summary>
    public const string Own = "entities";
}

/// <summary>One evaluation to run locally: a model bundle (zip) on a node-local dataset, as a spec asks.</summary>
public sealed record EvaluationJob(string BundlePath, EvaluationSpec Spec, DatasetDefinition Dataset)
{
    /// <summary>
    /// Entity recognition under differential privacy: count at most this many gold and this many predicted entities
    /// per report and type (the dataset policy's <c>max_entities_per_report</c>), so one report's weight in every
    /// count is bounded; null (exact counts, local mode): every entity counts.
    /// </summary>
    public int? MaxEntitiesPerReport { get; init; }

    /// <summary>
    /// Entity recognition under differential privacy: count only each report's first this many words in word-level tag
    /// agreement (the dataset policy's <c>max_words_per_report</c>), since a report's length has no bound; null: every word.
    /// </summary>
    public int? MaxWordsPerReport { get; init; }

    /// <summary>
    /// Set by the engine only, for one pass of the spec's robustness suite: every report the task's reader gives is
    /// rewritten by it before tokenization (<see cref="Robustness.PerturbationPass"/>).
    /// </summary>
    internal Robustness.PerturbationPass? Perturbation { get; init; }

    /// <summary>The task's reader, or the perturbing wrapper around it on a robustness pass.</summary>
    internal IDocumentReader Read(IDocumentReader reader) => Perturbation?.Wrap(reader) ?? reader;
}

public sealed record EvaluationProgress(long DocumentsDone, long DocumentsTotal);

/// <summary>What a node knows of one of its datasets without reading its contents into memory.</summary>
public sealed record DatasetInfo(string Name, string Format, long DocumentCount, string Fingerprint);

/// <summary>
/// Runs a model bundle over a local dataset and returns aggregates only. Implementations must not
/// return or log anything per document.
/// </summary>
public interface IEvaluationEngine
{
    /// <exception cref="EvaluationRefusedException">The job cannot run (bundle does not match its manifest, labels differ, dataset unreadable…).</exception>
    Task<ResultDocument> EvaluateAsync(EvaluationJob job, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Counts documents and fingerprints the snapshot (SHA-256 of its bytes), streaming.</summary>
    Task<DatasetInfo> InspectAsync(DatasetDefinition dataset, CancellationToken cancellationToken);
}

/// <summary>
/// A job the engine will not run, with a reason safe to send to the coordinator: it names the problem
/// (a mismatched input name, a missing dataset) and never quotes report text.
/// </summary>
public sealed class EvaluationRefusedException : Exception
{
    public EvaluationRefusedException(string reason)
        : base(reason)
    {
    }

    public EvaluationRefusedException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }

    public EvaluationRefusedException()
    {
    }
}
