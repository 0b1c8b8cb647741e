using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.Evaluation.Robustness;
using Partages.Evaluation.Tasks.SingleLabel;

namespace Partages.Testing;

/// <summary>Single-label results with a robustness suite of one perturbation, each document's outcome chosen by the test.</summary>
public static class RobustnessSamples
{
    public const string Perturbation = "typos(rate=0.1)";

    /// <summary>
    /// A site's result: the clean and perturbed confusion matrices over <paramref name="labels"/>, the discordant
    /// documents (right on one side only), and the reports the perturbation changed.
    /// </summary>
    public static ResultDocument Site(IReadOnlyList<string> labels, IReadOnlyList<(int Gold, int Clean, int Perturbed, bool Changed)> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var clean = new ClassificationCounts(labels);
        var perturbed = new ClassificationCounts(labels);
        foreach (var d in documents)
        {
            clean.Add(d.Gold, d.Clean);
            perturbed.Add(d.Gold, d.Perturbed);
        }

        var summary = new InputSummary { DocumentsRead = documents.Count, DocumentsEvaluated = documents.Count };
        return RobustnessResults.Attach(ResultDocument.FromCounts(SingleLabelTask.TaskName, clean, summary), [new PerturbationResult
        {
            Perturbation = Perturbation,
            Seed = 3,
            ReportsChanged = documents.Count(d => d.Changed),
            ReportsUnchanged = documents.Count(d => !d.Changed),
            Paired = new PairedOutcomes
            {
                Unit = PairedOutcomes.DocumentUnit,
                CleanOnly = documents.Count(d => d.Clean == d.Gold && d.Perturbed != d.Gold),
                PerturbedOnly = documents.Count(d => d.Clean != d.Gold && d.Perturbed == d.Gold),
            },
            Result = ResultDocument.FromCounts(SingleLabelTask.TaskName, perturbed, summary),
        }]);
    }
}
