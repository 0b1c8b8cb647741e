using System.Text.Json;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;

namespace Partages.NodeAgent.Engine.Metrics;

/// <summary>
/// One site's multi-label classification results: aggregates only, like <see cref="ResultDocument"/>, whose
/// <c>confusion_matrix</c> (one gold and one predicted label per document) and <c>accuracy</c> a multi-label task
/// does not have. Its sufficient statistic is <c>per_class</c>'s tp / fp / fn / tn plus <c>exact_matches</c>:
/// pooling sites is adding those. Snake_case JSON through <see cref="ResultJson.Options"/>.
/// </summary>
public sealed record MultiLabelResult
{
    /// <summary>A proposed schema: the coordinator does not pool it yet.</summary>
    public const string CurrentSchema = "partages.multilabel-results/v1";

    public string Schema { get; init; } = CurrentSchema;
    public required string Task { get; init; }
    public required long NDocuments { get; init; }
    /// <summary>The spec's labels, in its order.</summary>
    public required IReadOnlyList<string> Labels { get; init; }
    public required double Threshold { get; init; }
    public required IReadOnlyDictionary<string, ClassMetrics> PerClass { get; init; }
    public required AveragedMetrics Micro { get; init; }
    public required AveragedMetrics Macro { get; init; }
    /// <summary>Weighted by each label's support (documents carrying it).</summary>
    public required AveragedMetrics Weighted { get; init; }
    /// <summary>Documents whose predicted label set is exactly the gold set.</summary>
    public required long ExactMatches { get; init; }
    /// <summary><see cref="ExactMatches"/> over <see cref="NDocuments"/> (0 without documents).</summary>
    public required double SubsetAccuracy { get; init; }
    public required InputSummary InputSummary { get; init; }

    public static MultiLabelResult FromCounts(string task, double threshold, MultiLabelCounts counts, InputSummary inputSummary)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var (perClass, micro, macro, weighted) = counts.Compute();
        return new MultiLabelResult
        {
            Task = task,
            NDocuments = counts.DocumentCount,
            Labels = counts.Labels,
            Threshold = threshold,
            PerClass = perClass,
            Micro = micro,
            Macro = macro,
            Weighted = weighted,
            ExactMatches = counts.ExactMatches,
            SubsetAccuracy = counts.DocumentCount == 0 ? 0 : (double)counts.ExactMatches / counts.DocumentCount,
            InputSummary = inputSummary,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, ResultJson.Options);
}
