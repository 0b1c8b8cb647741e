using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.SingleLabel;

/// <summary>
/// <c>single_label_classification</c>: one gold label per document, the model's logits through softmax. Its
/// sufficient statistics are the confusion matrix, the one-vs-rest score histograms and the calibration sums
/// (<see cref="ResultDocument.FromStatistics"/>); exact counts are released as they are, private ones by
/// <see cref="SingleLabelRelease"/>.
/// </summary>
public sealed class SingleLabelTask : TaskType
{
    public const string TaskName = "single_label_classification";

    public override string Name => TaskName;

    public override bool SupportsRobustness => true;

    public override PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites)
    {
        var omitted = new List<OmittedSection>();
        if (sites.Any(s => s.Value.Release?.DifferentialPrivacy is not null))
        {
            // Noisy counts pool by addition, with their noise variances; the meta-analysis below assumes exact counts.
            var noisy = PrivateResults.Pool(Name, labels, [.. sites.Select(s => s.Value)], omitted);
            // Each site's variance from its released interval, which includes its noise (not the delta method on noisy counts).
            return new PooledSections(noisy, HeterogeneityAnalysis.ComputePrivate(labels, sites), omitted);
        }

        var histograms = ReadEverySite(sites, "score_histograms", d => d.ScoreHistograms, d => d.ToHistograms(), omitted);
        var calibration = ReadEverySite(sites, "calibration", d => d.Calibration, d => d.ToCalibration(), omitted);
        var pooledHistograms = histograms is null ? null : PoolOnOneGrid(labels, histograms, omitted);
        var pooled = ResultDocument.FromStatistics(
            Name,
            ClassificationCounts.Pool(labels, sites.Select(s => s.Value.ToCounts())),
            pooledHistograms,
            calibration is null ? null : CalibrationStatistics.Merge(calibration.Select(c => c.Value)),
            InputSummary.Sum(sites.Select(s => s.Value.InputSummary)));
        return new PooledSections(pooled, HeterogeneityAnalysis.Compute(labels, sites, histograms), omitted);
    }

    public override ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments)
    {
        var histograms = segments.All(s => s.ScoreHistograms is not null) ? segments.Select(s => s.ToHistograms()!).ToList() : null;
        var calibration = segments.All(s => s.Calibration is not null) ? segments.Select(s => s.ToCalibration()!).ToList() : null;
        return ResultDocument.FromStatistics(
            Name,
            ClassificationCounts.Pool(labels, segments.Select(s => s.ToCounts())),
            histograms is null ? null : OneVsRestHistograms.Merge(labels, histograms),
            calibration is null ? null : CalibrationStatistics.Merge(calibration),
            InputSummary.Sum(segments.Select(s => s.InputSummary)));
    }

    public override ResultDocument ReleaseExact(ResultDocument result) => result with { Release = new ReleaseSection() };

    public override ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release) => SingleLabelRelease.Apply(result, release);

    /// <summary>
    /// The sites' histograms added bin by bin, or null (with the reason in <paramref name="omitted"/>) when sites released
    /// them on different grids — older results on the 0.001 grid beside newer ones on the logit grid — whose bins do not
    /// line up: never silently mixed. Each site's own AUROC (heterogeneity) stays valid on its own grid.
    /// </summary>
    private static OneVsRestHistograms? PoolOnOneGrid(
        IReadOnlyList<string> labels,
        List<KeyValuePair<string, OneVsRestHistograms>> histograms,
        List<OmittedSection> omitted)
    {
        var grids = histograms.GroupBy(h => h.Value.Grid).ToList();
        if (grids.Count > 1)
        {
            var which = string.Join("; ", grids.Select(g => $"{g.Key.Name}: {string.Join(", ", g.Select(h => h.Key))}"));
            omitted.Add(new OmittedSection(
                "score_histograms",
                $"sites released score histograms on different grids ({which}), whose bins do not line up; re-run the older sites to pool them"));
            return null;
        }

        return OneVsRestHistograms.Merge(labels, histograms.Select(h => h.Value));
    }

    /// <summary>Every site's statistic of one optional section, or null (and the reason added to <paramref name="omitted"/>) when a site lacks it or released it malformed.</summary>
    private static List<KeyValuePair<string, T>>? ReadEverySite<T>(
        IReadOnlyList<KeyValuePair<string, ResultDocument>> sites,
        string section,
        Func<ResultDocument, object?> released,
        Func<ResultDocument, T?> read,
        List<OmittedSection> omitted)
        where T : class
    {
        var without = sites.Where(s => released(s.Value) is null).Select(s => s.Key).ToList();
        if (without.Count > 0)
        {
            omitted.Add(new OmittedSection(section, without.Count == sites.Count
                ? "no site released it"
                : $"site(s) {string.Join(", ", without)} released none, and a pool of the other sites would not be the union's"));
            return null;
        }

        var values = new List<KeyValuePair<string, T>>(sites.Count);
        foreach (var (site, document) in sites)
        {
            try
            {
                values.Add(new(site, read(document)!));
            }
            catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
            {
                omitted.Add(new OmittedSection(section, $"site {site} released an unusable {section}: {ex.Message}"));
                return null;
            }
        }

        return values;
    }
}
