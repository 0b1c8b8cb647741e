using System.Text.Json;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks;

namespace Partages.Coordinator.Dashboard.Results;

/// <summary>
/// One site's (or the pool's) line of the results table: accuracy with its interval — Wilson's for exact counts, the
/// release's own (which includes the noise) for counts under differential privacy, null when not estimable — and
/// <see cref="Privacy"/> saying which.
/// </summary>
public sealed record SiteRow(string Site, long Documents, double? Accuracy, ConfidenceInterval? AccuracyCi, double? MacroF1, double? MicroF1, double? WeightedF1)
{
    /// <summary>"DP ε 1 (δ 1e-06)" or "exact" (<see cref="ReleaseNotes.PrivacyLabel"/>).</summary>
    public string Privacy { get; init; } = "";
}

/// <summary>Per class AUROC from noisy histograms, with the interval that includes the noise (DP results have no ROC curve to draw).</summary>
public sealed record NoisyAurocRow(string Label, double? Auroc, double? CiLow, double? CiHigh);

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
    /// <summary>What the figures are (noisy or exact, ε, what was withheld): <see cref="ReleaseNotes.For"/>.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>A pooled-only evaluation: the figures are a secure sum, no per-site figure (hence no forest plot) exists.</summary>
    public bool IsSecureSum { get; init; }

    /// <summary>Pooled AUROC per class under differential privacy; null otherwise (the ROC curves serve).</summary>
    public IReadOnlyList<NoisyAurocRow>? NoisyAuroc { get; init; }

    /// <summary>The robustness suite per site and pooled, as the CLI prints it; empty when the spec listed none.</summary>
    public IReadOnlyList<Partages.Evaluation.Robustness.RobustnessRow> Robustness { get; init; } = [];

    /// <summary>Generative extraction: each site's and the pool's generative section (per-field tables, outputs by kind); null otherwise.</summary>
    public IReadOnlyList<(string Site, Partages.Evaluation.Tasks.GenerativeExtraction.GenerativeSection Section)>? Generative { get; init; }

    /// <summary>Multiple-choice QA: each site's and the pool's row (EMR, Hamming score, invalid rate); null otherwise.</summary>
    public IReadOnlyList<Partages.Evaluation.Tasks.MultipleChoice.MultipleChoiceRow>? MultipleChoice { get; init; }

    /// <summary>True when a figure came from counts released under differential privacy.</summary>
    public bool IsPrivate { get; init; }

    /// <summary>An entity recognition result: its table and forests hold seqeval's figures, and <see cref="Entities"/> the schemes.</summary>
    public bool IsEntityRecognition => Entities is not null;

    /// <summary>Reads the pooled result as stored; null when the JSON is not a pooled result this coordinator understands.</summary>
    public static ResultsAnalysis? From(string pooledJson)
    {
        PooledResultDocument document;
        try
        {
            document = ResultJson.DeserializePooled(pooledJson);
        }
        catch (InvalidDataException)
        {
            return null;
        }

        var labels = document.Pooled?.ConfusionMatrix.Labels ?? document.PerSite.Values.FirstOrDefault()?.ConfusionMatrix.Labels ?? [];
        var sites = document.PerSite.Select(s => Row(s.Key, s.Value)).ToList();
        var forests = labels.Select(label => Forest(label, document.PerSite)).ToList();
        var entities = TaskRegistry.Find(document.Task)?.CountsEntities == true ? EntityAnalysis.From(document, labels) : null;
        return new ResultsAnalysis(
            labels,
            sites,
            document.Pooled is { } pooled ? Row("Pooled (all sites)", pooled) : null,
            forests,
            document.Pooled?.ConfusionMatrix.Matrix,
            document.Pooled is null || entities is not null ? null : RocCurves(pooledJson, labels),
            document.MissingSites,
            entities)
        {
            Notes = ReleaseNotes.For(document),
            Robustness = Partages.Evaluation.Robustness.RobustnessRows.From(document),
            IsPrivate = document.Pooled?.Release?.DifferentialPrivacy is not null,
            Generative = document.Pooled?.Generative is { } generative
                ? [.. document.PerSite.Where(s => s.Value.Generative is not null).Select(s => (s.Key, s.Value.Generative!)), ("Pooled (all sites)", generative)]
                : null,
            MultipleChoice = Partages.Evaluation.Tasks.MultipleChoice.MultipleChoiceRows.From(document) is { Count: > 0 } choices ? choices : null,
            NoisyAuroc = document.Pooled is { Release.DifferentialPrivacy: not null, Auroc: { } auroc }
                ? [.. labels.Where(auroc.ContainsKey).Select(l => new NoisyAurocRow(l, auroc[l].Value, auroc[l].CiLow, auroc[l].CiHigh))]
                : null,
            IsSecureSum = document.SecureSum is not null,
        };
    }

    private static SiteRow Row(string site, ResultDocument document)
    {
        if (TaskRegistry.Find(document.Task)?.CountsEntities == true && document.Seqeval is { } seqeval)
        {
            // Entity recognition: accuracy is seqeval's, over words; its confusion matrix holds entities, not words.
            // Under differential privacy the word counts are withheld: no accuracy, no interval.
            return new SiteRow(site, document.NDocuments, document.Accuracy, AccuracyInterval(document, () => seqeval.Words is > 0 ? Wilson.Interval(seqeval.WordsCorrect ?? 0, seqeval.Words.Value) : null), document.Macro.F1, document.Micro.F1, document.Weighted.F1)
            {
                Privacy = ReleaseNotes.PrivacyLabel(document),
            };
        }

        var correct = document.ConfusionMatrix.Matrix.Select((row, g) => row[g]).Sum();
        var n = document.ConfusionMatrix.Matrix.Sum(row => row.Sum());
        return new SiteRow(site, document.NDocuments, document.Accuracy, AccuracyInterval(document, () => n > 0 ? Wilson.Interval(correct, n) : null), document.Macro.F1, document.Micro.F1, document.Weighted.F1)
        {
            Privacy = ReleaseNotes.PrivacyLabel(document),
        };
    }

    /// <summary>Under differential privacy, the release's own accuracy interval (it includes the noise; null when not estimable); else Wilson's.</summary>
    private static ConfidenceInterval? AccuracyInterval(ResultDocument document, Func<ConfidenceInterval?> exact) =>
        document.Release?.DifferentialPrivacy is null ? exact()
        : document.Intervals?.Accuracy is { } ci ? new ConfidenceInterval(ci.CiLow, ci.CiHigh)
        : null;

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
                // Noisy counts: the delta method on them would ignore the noise; the release's own interval includes it,
                // and its half-width gives the variance the meta-analysis weighs the site by.
                if (metrics.F1 is not { } f1 || document.Intervals?.PerClass.GetValueOrDefault(label)?.F1 is not { } interval)
                {
                    rows.Add(new ForestRow(site, null, null, null, "F1 not estimable from the noisy counts"));
                    continue;
                }

                var variance = Math.Pow((interval.CiHigh - interval.CiLow) / (2 * 1.96), 2);
                var noisyCi = new ConfidenceInterval(interval.CiLow, interval.CiHigh);
                if (variance > 0)
                {
                    usable.Add(new SiteEstimate(site, f1, variance));
                    rows.Add(new ForestRow(site, f1, noisyCi, 1 / variance, null));
                }
                else
                {
                    rows.Add(new ForestRow(site, f1, noisyCi, null, "no variance; not pooled"));
                }

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

    /// <summary>Per class ROC from the pooled <c>score_histograms</c> (grid, grid_steps, per_class → positives/negatives); null when absent or unusable.</summary>
    private static List<RocData>? RocCurves(string pooledText, IReadOnlyList<string> labels)
    {
        // The typed document does not carry the histograms' raw counts: read them from the stored text.
        using var json = JsonDocument.Parse(pooledText);
        var pooledJson = json.RootElement;
        if (!pooledJson.TryGetProperty("pooled", out var pooled) || pooled.ValueKind != JsonValueKind.Object
            || !pooled.TryGetProperty("score_histograms", out var section) || section.ValueKind != JsonValueKind.Object
            || !section.TryGetProperty("grid_steps", out var steps) || !steps.TryGetInt32(out var gridSteps)
            || HistogramGrid.ByName(GridName(section)) is not { } grid || gridSteps != ScoreHistogramsSection.StepsOf(grid)
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
                curves.Add(new RocData(label, RocFromHistograms.Compute(ScoreHistogram.FromCounts(grid, positives, negatives))));
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }

        return curves;
    }

    /// <summary>The section's grid name; null (the 0.001 grid) in documents older than the name.</summary>
    private static string? GridName(JsonElement section) =>
        section.TryGetProperty("grid", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;

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
