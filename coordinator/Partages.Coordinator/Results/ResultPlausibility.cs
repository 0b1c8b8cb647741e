using System.Globalization;
using Partages.Contracts;
using Partages.Evaluation.Results;

namespace Partages.Coordinator.Results;

/// <summary>
/// Holds a site result to what its node said of its own dataset, which is all the coordinator knows about it
/// (docs/threat-model.md, "What a coordinator can check about a hospital's own data"):
/// <list type="number">
/// <item><c>input_summary.documents_read</c> — released exactly (ADR 0006's replace-one relation) — may not exceed the
/// largest count that rounds to the <c>approximate_documents</c> the node announced for the run's dataset in its
/// latest hello (<see cref="DocumentCountRounding.UpperBound"/>);</item>
/// <item><c>n_documents</c> and <c>input_summary.documents_evaluated</c> may exceed <c>documents_read</c> only by what
/// the release's noise explains: z = <see cref="Quantile"/> standard deviations of the noise of the K cells the count
/// adds (<see cref="Partages.Evaluation.Tasks.TaskType.DocumentCountCells"/>: the C² confusion-matrix cells for C
/// labels, sd = C·σ; a multiple-choice result's outcome cells), when
/// <c>release.differential_privacy.noise_variance.outcome_counts</c> states σ²; nothing otherwise.</item>
/// </list>
/// The same rule serves every task: single-label, multi-label and entity-recognition results all carry these counts.
/// A node can still under-report, or move counts around within the bound: no check here can see that.
/// </summary>
public static class ResultPlausibility
{
    /// <summary>One-sided normal quantile of the allowance: P(noise sum > 6 sd) ≈ 1e-9, so an honest result is never refused.</summary>
    public const double Quantile = 6;

    /// <summary>Null when the result fits the announcement; otherwise why not, naming the figures at fault and the announced size.</summary>
    public static string? Check(ResultDocument document, IReadOnlyList<StoredDataset> announced, string dataset)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(announced);
        var summary = document.InputSummary;
        var entry = announced.FirstOrDefault(d => string.Equals(d.Name, dataset, StringComparison.Ordinal));
        if (entry is null)
        {
            return $"the node announced no dataset '{dataset}' in its latest hello, so its n_documents ({document.NDocuments}) and input_summary.documents_read ({summary.DocumentsRead}) cannot be held to any size";
        }

        var bound = DocumentCountRounding.UpperBound(entry.ApproximateDocuments);
        var size = string.Create(CultureInfo.InvariantCulture, $"the node announced about {entry.ApproximateDocuments} documents for dataset '{dataset}' (at most {bound} round to that)");
        return Check(document, bound, size);
    }

    /// <summary>
    /// The same rule for a secure sum (docs/secure-aggregation.md, "Forged counts"): the coordinator cannot see one site's
    /// counts, so the summed document is held to the sum of the contributors' announced sizes, with the allowance of the
    /// noise the sum states (every contributor's share). Null when plausible; otherwise why not.
    /// </summary>
    /// <param name="announced">Per contributor, the datasets of its latest hello.</param>
    public static string? CheckSum(ResultDocument document, IReadOnlyDictionary<string, IReadOnlyList<StoredDataset>> announced, string dataset)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(announced);
        long bound = 0;
        foreach (var (site, datasets) in announced)
        {
            var entry = datasets.FirstOrDefault(d => string.Equals(d.Name, dataset, StringComparison.Ordinal));
            if (entry is null)
            {
                return $"contributor {site} announced no dataset '{dataset}' in its latest hello, so the secure sum cannot be held to any size";
            }

            bound = Add(bound, DocumentCountRounding.UpperBound(entry.ApproximateDocuments));
        }

        var size = string.Create(CultureInfo.InvariantCulture, $"the {announced.Count} contributors announced at most {bound} documents in all for dataset '{dataset}'");
        return Check(document, bound, size);
    }

    private static string? Check(ResultDocument document, long bound, string size)
    {
        var summary = document.InputSummary;
        var (allowance, basis) = NoiseAllowance(document);
        (string Name, long Value)[] counts = [("n_documents", document.NDocuments), ("input_summary.documents_evaluated", summary.DocumentsEvaluated)];
        var problems = new List<string>();

        // Against the announced size: documents_read exactly, the noisy counts with the noise's allowance.
        var overSize = new List<string>();
        if (summary.DocumentsRead > bound)
        {
            overSize.Add(string.Create(CultureInfo.InvariantCulture, $"input_summary.documents_read is {summary.DocumentsRead}"));
        }

        overSize.AddRange(counts.Where(c => c.Value > Add(bound, allowance)).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name} is {c.Value}")));
        if (overSize.Count > 0)
        {
            problems.Add($"{string.Join(", ", overSize)}: more than the dataset holds");
        }

        // Against documents_read: a report evaluated was read first, so only noise can put more evaluated than read.
        problems.AddRange(counts.Where(c => c.Value > Add(summary.DocumentsRead, allowance)).Select(c => string.Create(
            CultureInfo.InvariantCulture,
            $"{c.Name} is {c.Value}, more than input_summary.documents_read ({summary.DocumentsRead}) plus what the noise explains ({allowance}: {basis})")));

        return problems.Count == 0 ? null : $"{string.Join("; ", problems)}; {size}";
    }

    private static long Add(long value, long allowance) => value > long.MaxValue - allowance ? long.MaxValue : value + allowance;

    /// <summary>How far the released document counts may exceed documents_read, and why (for the reason text).</summary>
    private static (long Allowance, string Basis) NoiseAllowance(ResultDocument document)
    {
        if (document.Release?.DifferentialPrivacy?.NoiseVariance.OutcomeCounts is not { } variance || !(variance > 0) || double.IsInfinity(variance))
        {
            return (0, "the result states no noise variance for its outcome counts");
        }

        var labels = Math.Max(1, document.ConfusionMatrix.Labels.Count);
        var cells = Partages.Evaluation.Tasks.TaskRegistry.Find(document.Task)?.DocumentCountCells(document) ?? labels * labels;
        var sd = Math.Sqrt(cells * variance);
        var allowance = Math.Ceiling(Quantile * sd);
        return (allowance >= long.MaxValue ? long.MaxValue : (long)allowance,
            string.Create(CultureInfo.InvariantCulture, $"z = {Quantile} × σ·√K over the K = {cells} noisy cells the count adds, σ² = {variance:0.###}"));
    }
}
