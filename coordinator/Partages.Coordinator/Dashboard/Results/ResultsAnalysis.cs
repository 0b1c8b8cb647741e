using System.Text.Json;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;

namespace Partages.Coordinator.Dashboard.Results;

/// <summary>One site's (or the pool's) line of the results table, with Wilson intervals for accuracy.</summary>
public sealed record SiteRow(string Site, long Documents, double? Accuracy, ConfidenceInterval AccuracyCi, double? MacroF1, double? MicroF1, double? WeightedF1);

/// <summary>One row of a forest plot: a site's estimate and 95% interval, or why it has none.</summary>
public sealed record ForestRow(string Site, double? Estimate, ConfidenceInterval? Ci, double? Weight, string? Note);

/// <summary>A forest plot's content: per-site F1 of one class and the DerSimonian–Laird pooled estimate (null with a reason).</summary>
public sealed record ForestData(string Label, IReadOnlyList<ForestRow> Sites, MetaAnalysisResult? Pooled, string? PooledNote);

/// <summary>One class's pooled ROC curve and AUROC, one class against the rest.</summary>
public sealed record RocData(string Label, RocSummary Summary);

/// <summary>
/// What the Results section shows, computed from the pooled results JSON with the shared metrics library:
/// the per-site table with the pooled row, per-class F1 forest plots (delta-method variance per site,
/// <see cref="SiteEstimate.ForF1(string, ClassMetrics)"/>, pooled by <see cref="MetaAnalysis.DerSimonianLaird"/>),
/// the pooled confusion matrix, and pooled ROC curves when the sites released score histograms.
/// </summary>
public sealed record ResultsAnalysis(
    IReadOnlyList<string> Labels,
    IReadOnlyList<SiteRow> Sites,
    SiteRow? Pooled,
    IReadOnlyList<ForestData> Forests,
    long[][]? PooledMatrix,
    IReadOnlyList<RocData>? Roc,
    IReadOnlyList<MissingSite> Missing,
    EntityAnalysis? Entities = null)
{
    /// <summary>An entity recognition result: its table and forests hold seqeval's figures, and <see cref="Entities"/> the schemes.</summary>
    public bool IsEntityRecognition => Entities is not null;

    /// <summary>Reads the pooled result; null when the JSON is not a pooled result this coordinator understands.</summary>
    public static ResultsAnalysis? From(JsonElement pooledJson)
    {
        PooledResultDocument document;
        try
        {
            document = ResultJson.DeserializePooled(pooledJson.GetRawText());
        }
        catch (InvalidDataException)
        {
            return null;
        }

        var labels = document.Pooled?.ConfusionMatrix.Labels ?? document.PerSite.Values.FirstOrDefault()?.ConfusionMatrix.Labels ?? [];
        var sites = document.PerSite.Select(s => Row(s.Key, s.Value)).ToList();
        var forests = labels.Select(label => Forest(label, document.PerSite)).ToList();
        var entities = document.Task == Partages.Evaluation.Bundles.TaskTypes.TokenClassification ? EntityAnalysis.From(document, labels) : null;
        return new ResultsAnalysis(
            labels,
            sites,
            document.Pooled is { } pooled ? Row("Pooled (all sites)", pooled) : null,
            forests,
            document.Pooled?.ConfusionMatrix.Matrix,
            document.Pooled is null || entities is not null ? null : RocCurves(pooledJson, labels),
            document.MissingSites,
            entities);
    }

    private static SiteRow Row(string site, ResultDocument document)
    {
        if (document.Release?.DifferentialPrivacy is not null)
        {
            // Noisy counts: Wilson's interval would ignore the noise (and refuses negative counts); the release carries
            // the accuracy's interval with the noise in it, or none when the accuracy is not estimable.
            var released = document.Intervals?.Accuracy is { } interval ? new ConfidenceInterval(interval.CiLow, interval.CiHigh) : new ConfidenceInterval(0, 1);
            return new SiteRow(site, document.NDocuments, document.Accuracy, released, document.Macro.F1, document.Micro.F1, document.Weighted.F1);
        }

        if (document.Seqeval is { Words: { } words, WordsCorrect: { } wordsCorrect })
        {
            // Entity recognition: accuracy is seqeval's, over words; its confusion matrix holds entities, not words.
            return new SiteRow(site, document.NDocuments, document.Accuracy, Wilson.Interval(wordsCorrect, words), document.Macro.F1, document.Micro.F1, document.Weighted.F1);
        }

        var correct = document.ConfusionMatrix.Matrix.Select((row, g) => row[g]).Sum();
        var n = document.ConfusionMatrix.Matrix.Sum(row => row.Sum());
        return new SiteRow(site, document.NDocuments, document.Accuracy, Wilson.Interval(correct, n), document.Macro.F1, document.Micro.F1, document.Weighted.F1);
    }

    private static ForestData Forest(string label, IReadOnlyDictionary<string, ResultDocument> sites)
    {
        var rows = new List<ForestRow>();
        var usable = new List<SiteEstimate>();
        foreach (var (site, document) in sites)
        {
            if (!document.PerClass.TryGetValue(label, out var metrics))
            {
                rows.Add(new ForestRow(site, null, null, null, "class not reported"));
                continue;
            }

            if (document.Release?.DifferentialPrivacy is not null)
            {
                // The delta method over noisy counts would leave the noise out of the variance (and refuses negative
                // counts): the site's released F1 and interval are shown, and it is not meta-analysed.
                rows.Add(metrics.F1 is { } f1 && document.Intervals?.PerClass.GetValueOrDefault(label)?.F1 is { } released
                    ? new ForestRow(site, f1, new ConfidenceInterval(released.CiLow, released.CiHigh), null, "released under differential privacy: the interval includes the noise; not meta-analysed")
                    : new ForestRow(site, null, null, null, "not estimable from the site's noisy counts (differential privacy)"));
                continue;
            }

            var estimate = SiteEstimate.ForF1(site, metrics);
            if (estimate is null)
            {
                rows.Add(new ForestRow(site, null, null, null, "F1 undefined (no true positive, false positive or false negative)"));
                continue;
            }

            var se = Math.Sqrt(estimate.Variance);
            var ci = ConfidenceInterval.Normal95(estimate.Estimate, se).ClipToUnit();
            if (estimate.Variance > 0)
            {
                usable.Add(estimate);
                rows.Add(new ForestRow(site, estimate.Estimate, ci, 1 / estimate.Variance, null));
            }
            else
            {
                // F1 of exactly 0 or 1: the delta method gives no variance, so the site cannot be weighted.
                rows.Add(new ForestRow(site, estimate.Estimate, null, null, "no variance at F1 = 0 or 1; not pooled"));
            }
        }

        if (usable.Count < 2)
        {
            // No pooled estimate: size the squares by relative inverse-variance weight, so they stay on the scale.
            var sum = rows.Sum(r => r.Weight ?? 0);
            var relative = rows.Select(r => r.Weight is { } w && sum > 0 ? r with { Weight = w / sum } : r).ToList();
            return new ForestData(label, relative, null, "not estimable: fewer than two sites with a usable variance");
        }

        var pooled = MetaAnalysis.DerSimonianLaird(usable);
        var total = usable.Sum(s => 1 / (s.Variance + pooled.TauSquared));
        // Relative random-effects weights, for the size of each site's square.
        var weighted = rows.Select(r => r.Weight is null ? r : r with
        {
            Weight = 1 / (1 / r.Weight.Value + pooled.TauSquared) / total,
        }).ToList();
        return new ForestData(label, weighted, pooled, null);
    }

    /// <summary>Per class ROC from the pooled <c>score_histograms</c> (grid_steps, per_class → positives/negatives); null when absent or unusable.</summary>
    private static List<RocData>? RocCurves(JsonElement pooledJson, IReadOnlyList<string> labels)
    {
        if (!pooledJson.TryGetProperty("pooled", out var pooled) || pooled.ValueKind != JsonValueKind.Object
            || !pooled.TryGetProperty("score_histograms", out var section) || section.ValueKind != JsonValueKind.Object
            || !section.TryGetProperty("grid_steps", out var steps) || !steps.TryGetInt32(out var gridSteps) || gridSteps != ScoreGrid.Steps
            || !section.TryGetProperty("per_class", out var perClass) || perClass.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var curves = new List<RocData>();
        foreach (var label in labels)
        {
            if (!perClass.TryGetProperty(label, out var entry) || entry.ValueKind != JsonValueKind.Object
                || Counts(entry, "positives") is not { } positives || Counts(entry, "negatives") is not { } negatives)
            {
                return null;
            }

            try
            {
                curves.Add(new RocData(label, RocFromHistograms.Compute(ScoreHistogram.FromCounts(positives, negatives))));
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }

        return curves;
    }

    private static long[]? Counts(JsonElement entry, string name)
    {
        if (!entry.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var counts = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (!item.TryGetInt64(out counts[i++]))
            {
                return null;
            }
        }

        return counts;
    }
}
