using System.Text.Json.Serialization;

namespace Partages.Evaluation.Results;

/// <summary>
/// <c>score_histograms</c>: for each class against the rest, how many positives and negatives got a score in each
/// bin of the grid named by <see cref="Grid"/>. The sufficient statistic of AUROC, AUPRC, the ROC curve and DeLong's
/// variance. Dense arrays of counts, one per bin: plain arrays so a release rule can merge a bin into its neighbour by
/// moving a count, and a reader can draw a curve without decoding anything. Written on one line each
/// (<see cref="CompactCountsConverter"/>) to keep payloads small.
/// </summary>
/// <param name="GridSteps">
/// <see cref="FineGrid"/>: 1000 (bin k is the score k / 1000); <see cref="LogitGrid"/> and <see cref="DpGrid"/>: the
/// number of bins. A reader refuses a section whose count does not match its grid's.
/// </param>
/// <param name="PerClass">One entry per label, in the confusion matrix's label order.</param>
public sealed record ScoreHistogramsSection(int GridSteps, IReadOnlyDictionary<string, ClassScoreHistogram> PerClass)
{
    /// <summary>The 0.001 grid of exact releases before <see cref="LogitGrid"/> (bin k = k / 1000), still read and pooled with its own kind.</summary>
    public const string FineGrid = HistogramGrid.LinearName;

    /// <summary>The logit grid of exact releases (<see cref="HistogramGrid.Logit"/>).</summary>
    public const string LogitGrid = HistogramGrid.LogitName;

    /// <summary>The coarse grid of releases under differential privacy (<see cref="Privacy.DpScoreGrid"/>), noisy counts.</summary>
    public const string DpGrid = "dp_logit";

    /// <summary>Which grid the counts are on: <see cref="LogitGrid"/>, <see cref="FineGrid"/> (also when absent, in older documents) or <see cref="DpGrid"/>.</summary>
    public string Grid { get; init; } = FineGrid;

    /// <summary>The section of a histogram grid (not the DP grid): its name, and its <see cref="GridSteps"/> as documented there.</summary>
    public static ScoreHistogramsSection On(HistogramGrid grid, IReadOnlyDictionary<string, ClassScoreHistogram> perClass)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return new ScoreHistogramsSection(StepsOf(grid), perClass) { Grid = grid.Name };
    }

    /// <summary>The <see cref="GridSteps"/> a section on <paramref name="grid"/> gives.</summary>
    public static int StepsOf(HistogramGrid grid) => grid == HistogramGrid.Linear ? ScoreGrid.Steps : grid.Bins;
}

/// <summary>One class's histogram: <see cref="Positives"/>[k] documents of the class and <see cref="Negatives"/>[k] of other classes scored in bin k of the section's grid.</summary>
public sealed record ClassScoreHistogram(
    [property: JsonConverter(typeof(CompactCountsConverter))] long[] Positives,
    [property: JsonConverter(typeof(CompactCountsConverter))] long[] Negatives);

/// <summary>
/// One class's AUROC (Mann–Whitney, from its histogram) and its 95% DeLong interval, clipped to [0, 1].
/// <see cref="Value"/> is null without a positive or a negative; the interval is null with fewer than 2 of either.
/// </summary>
public sealed record AurocEntry(double? Value, double? CiLow, double? CiHigh);

/// <summary>
/// <c>calibration</c>: the released sums of <see cref="CalibrationStatistics"/> (integers, so pooling is exact) and
/// the two numbers they give. <see cref="Ece"/> and <see cref="Brier"/> are null without documents. Under differential
/// privacy every sum is noisy (signed; the confidence and squared-error sums on their own scales, see
/// <see cref="Privacy.NoisyCalibration"/>), the two figures are estimates — null when not estimable — and their
/// intervals, which include the noise, are in <c>intervals</c>.
/// </summary>
/// <param name="Bins">Ten equal-width reliability bins on the top-class confidence, (b/10, (b+1)/10], the first also holding 0.</param>
/// <param name="SquaredErrorSteps">Σ over documents and classes of (p − y)², in units of 1/1000² (probabilities on the grid).</param>
public sealed record CalibrationSection(CalibrationBins Bins, long SquaredErrorSteps, double? Ece, double? Brier);

/// <summary>Parallel arrays, one entry per reliability bin: documents, documents predicted correctly, Σ confidence in grid steps.</summary>
public sealed record CalibrationBins(
    [property: JsonConverter(typeof(CompactCountsConverter))] long[] Count,
    [property: JsonConverter(typeof(CompactCountsConverter))] long[] Correct,
    [property: JsonConverter(typeof(CompactCountsConverter))] long[] ConfidenceSteps);

/// <summary>
/// <c>intervals</c>: Wilson (1927) 95% intervals of the proportions of the confusion matrix — accuracy
/// (k = Σ TP, n = N) and per class precision (TP of TP + FP) and recall (TP of TP + FN). n = 0 gives (0, 1).
/// </summary>
public sealed record IntervalsSection(string Method, double Level, Interval? Accuracy, IReadOnlyDictionary<string, ClassIntervals> PerClass)
{
    public const string WilsonMethod = "wilson";

    /// <summary>
    /// Intervals of figures from noisy counts: simulated from the mechanism's known noise together with sampling error
    /// (<see cref="Privacy.NoisyClassification"/>); they include the noise.
    /// </summary>
    public const string DpSimulationMethod = "dp_simulation";

    /// <summary>Macro-averaged F1's interval (DP releases); null when not estimable or not computed.</summary>
    public Interval? MacroF1 { get; init; }

    /// <summary>
    /// Micro-averaged F1's interval: DP releases of multi-label and entity recognition results, whose micro F1 is not
    /// the accuracy (absent from other documents).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interval? MicroF1 { get; init; }

    /// <summary>Expected calibration error's interval: DP releases (bootstrap-corrected for the noise's upward bias, <see cref="Privacy.NoisyCalibration"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interval? Ece { get; init; }

    /// <summary>Brier score's interval: DP releases.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interval? Brier { get; init; }
}

/// <summary>Per class; an interval is null when its figure is not estimable (no denominator).</summary>
public sealed record ClassIntervals(Interval? Precision, Interval? Recall)
{
    /// <summary>F1's interval (DP releases only).</summary>
    public Interval? F1 { get; init; }
}

public sealed record Interval(double CiLow, double CiHigh)
{
    public static Interval From(ConfidenceInterval ci) => new(ci.Lower, ci.Upper);

    /// <summary>The interval of a figure from noisy counts; null when the figure is not estimable.</summary>
    public static Interval? From(Privacy.NoisyInterval figure) =>
        figure is { CiLow: { } low, CiHigh: { } high } ? new Interval(low, high) : null;
}

/// <summary>
/// <c>heterogeneity</c> across the included sites: per class, each site's F1 (delta-method variance) and, when the
/// sites released score histograms, each site's AUROC (DeLong variance), with Cochran's Q, I², τ² and the
/// DerSimonian–Laird random-effects estimate. Per class rather than macro-F1: a macro-F1 variance needs the
/// covariances between the classes' F1s, which <see cref="SiteEstimate.ForF1(string, long, long, long)"/> does not give.
/// </summary>
/// <param name="Auroc">Null when some included site released no usable histograms (see <c>omitted_sections</c>).</param>
public sealed record HeterogeneitySection(
    string Method,
    IReadOnlyDictionary<string, MetaAnalysisEntry> F1,
    IReadOnlyDictionary<string, MetaAnalysisEntry>? Auroc)
{
    public const string DerSimonianLairdMethod = "dersimonian_laird";
}

/// <summary>
/// One metric of one class across sites. <see cref="Estimates"/>: the sites that entered, in site order;
/// <see cref="Excluded"/>: the others, each with its reason. <see cref="MetaAnalysis"/> is null, with
/// <see cref="Reason"/> saying why, when fewer than two sites have a usable estimate.
/// </summary>
public sealed record MetaAnalysisEntry(
    IReadOnlyList<SiteEstimateEntry> Estimates,
    IReadOnlyList<MissingSite> Excluded,
    MetaAnalysisSummary? MetaAnalysis,
    string? Reason);

public sealed record SiteEstimateEntry(string Site, double Estimate, double Variance);

/// <summary>
/// <see cref="MetaAnalysisResult"/> as released: Q on <see cref="Df"/> degrees of freedom, I² as a fraction, τ²,
/// the fixed-effect estimate and standard error, and the random-effects estimate, standard error and 95% interval
/// (not clipped).
/// </summary>
public sealed record MetaAnalysisSummary(
    int Sites,
    double Q,
    int Df,
    double ISquared,
    double TauSquared,
    double FixedEffectEstimate,
    double FixedEffectSe,
    double Estimate,
    double Se,
    double CiLow,
    double CiHigh)
{
    public static MetaAnalysisSummary From(MetaAnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new MetaAnalysisSummary(
            result.Sites,
            result.Q,
            result.DegreesOfFreedom,
            result.ISquared,
            result.TauSquared,
            result.FixedEffectEstimate,
            result.FixedEffectStandardError,
            result.Estimate,
            result.StandardError,
            result.Ci95.Lower,
            result.Ci95.Upper);
    }
}

/// <summary>A pooled section left out, and why (e.g. a site released no histograms, so a pooled AUROC would not be the union's).</summary>
public sealed record OmittedSection(string Section, string Reason);
