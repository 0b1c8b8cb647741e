using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;

namespace Partages.Benchmarks.Federation;

/// <summary>
/// What a simulated node releases instead of running a model: a valid results document for the benchmark spec, built
/// with the evaluation library from a confusion matrix that differs per node and round, so pooling has real work and the
/// pooled document count can be checked against the sum of the sites'.
/// </summary>
internal static class SyntheticResults
{
    public static readonly string[] Labels = ["sensible", "BLSE", "SARM", "EPC"];

    public const string Dataset = "amr-reports";

    /// <summary>
    /// The spec every round submits: the demo's AMR spec, with every targeted node required (min_sites); pooled-only
    /// (the coordinator learns only the secure sum) when <paramref name="pooledOnly"/>.
    /// </summary>
    public static string SpecYaml(int minSites, bool pooledOnly = false) => $"""
        version: 1
        name: federation-benchmark
        description: Scheduling benchmark with simulated nodes (no model runs).
        task: {TaskTypes.SingleLabelClassification}
        dataset: {Dataset}
        labels: [{string.Join(", ", Labels)}]
        metrics: [confusion_matrix, precision, recall, f1, accuracy]
        nodes: []
        min_sites: {minSites}
        deadline_minutes: 30
        pooled_only: {(pooledOnly ? "true" : "false")}
        """;

    /// <summary>A results document with a deterministic matrix for (node, round); returns it with its document count.</summary>
    public static (string Json, long Documents) For(int node, int round)
    {
        var random = new Random(HashCode.Combine(node, round, 20261129));
        var counts = new ClassificationCounts(Labels);
        for (var gold = 0; gold < Labels.Length; gold++)
        {
            for (var predicted = 0; predicted < Labels.Length; predicted++)
            {
                // Mostly right, some confusion: the shape of a useful classifier.
                counts.Add(gold, predicted, gold == predicted ? random.Next(40, 120) : random.Next(0, 12));
            }
        }

        var documents = counts.DocumentCount;
        var summary = new InputSummary { DocumentsRead = documents, DocumentsEvaluated = documents };
        return (ResultJson.Serialize(ResultDocument.FromCounts(TaskTypes.SingleLabelClassification, counts, summary)), documents);
    }
}
