namespace Partages.Benchmarks.Privacy;

/// <summary>One release's figure as printed: <see cref="Estimate"/> null means "not estimable" (and the interval is null too).</summary>
internal readonly record struct Observation(double? Estimate, double? Low, double? High)
{
    public static Observation NotEstimable { get; } = new(null, null, null);
}

/// <summary>
/// One figure of one unit (a site or the pool) over every release, against the exact figure (what the same unit
/// prints with <c>differential_privacy: off</c>). Errors, widths and coverage are over the releases where the figure
/// was estimable; <see cref="NotEstimable"/> counts the others.
/// </summary>
internal sealed record FigureSummary(
    double? Exact,
    int Releases,
    int NotEstimable,
    double? MedianAbsoluteError,
    double? MedianSignedError,
    double? MedianWidth,
    int Covered)
{
    public int Estimable => Releases - NotEstimable;

    public double NotEstimableShare => Releases == 0 ? 0 : (double)NotEstimable / Releases;

    /// <summary>Share of the estimable releases whose 95 % interval contains the exact figure; null when none was estimable.</summary>
    public double? Coverage => Estimable == 0 ? null : (double)Covered / Estimable;

    /// <summary>
    /// Summarises the releases of one figure. An exact figure that is itself undefined (a class absent from the unit)
    /// leaves error, width and coverage null: there is nothing to compare with.
    /// </summary>
    public static FigureSummary Of(double? exact, IReadOnlyList<Observation> releases)
    {
        ArgumentNullException.ThrowIfNull(releases);
        var estimable = releases.Where(o => o.Estimate.HasValue).ToList();
        var notEstimable = releases.Count - estimable.Count;
        if (exact is not { } truth || estimable.Count == 0)
        {
            return new FigureSummary(exact, releases.Count, notEstimable, null, null, null, 0);
        }

        var widths = estimable.Where(o => o.Low.HasValue && o.High.HasValue).Select(o => o.High!.Value - o.Low!.Value).ToList();
        return new FigureSummary(
            exact,
            releases.Count,
            notEstimable,
            Statistics.Median(estimable.Select(o => Math.Abs(o.Estimate!.Value - truth))),
            Statistics.Median(estimable.Select(o => o.Estimate!.Value - truth)),
            widths.Count == 0 ? null : Statistics.Median(widths),
            estimable.Count(o => o.Low is { } low && o.High is { } high && low <= truth && truth <= high));
    }
}

/// <summary>A line of the printed tables: one figure of one unit, or the median over classes of a per-class figure.</summary>
internal sealed record UtilityRow(
    string Unit,
    string Figure,
    double? Exact,
    double? MedianAbsoluteError,
    double? MedianSignedError,
    double? MedianWidth,
    double? Coverage,
    double NotEstimableShare)
{
    public static UtilityRow From(string unit, string figure, FigureSummary summary) =>
        new(unit, figure, summary.Exact, summary.MedianAbsoluteError, summary.MedianSignedError, summary.MedianWidth, summary.Coverage, summary.NotEstimableShare);

    /// <summary>Each column the median over the classes' own figures (nulls left out).</summary>
    public static UtilityRow MedianOverClasses(string unit, string figure, IReadOnlyCollection<FigureSummary> classes) =>
        new(
            unit,
            figure,
            MedianOf(classes.Select(c => c.Exact)),
            MedianOf(classes.Select(c => c.MedianAbsoluteError)),
            MedianOf(classes.Select(c => c.MedianSignedError)),
            MedianOf(classes.Select(c => c.MedianWidth)),
            MedianOf(classes.Select(c => c.Coverage)),
            Statistics.Median(classes.Select(c => c.NotEstimableShare)));

    private static double? MedianOf(IEnumerable<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : Statistics.Median(present);
    }
}

/// <summary>Everything measured for one unit: a site's own releases, or the pool of every site's releases.</summary>
/// <param name="DocumentsRead">Lines read, released exactly (replace-one: the same on neighbouring snapshots).</param>
/// <param name="DocumentsEvaluated">The exact count of documents evaluated; the released one is noisy.</param>
/// <param name="EvaluatedAbsoluteError">Median |released − exact| documents evaluated, over the releases.</param>
/// <param name="ReleasesWithNegativeCell">Releases whose confusion matrix holds a cell below 0 (noise on a near-empty cell).</param>
/// <param name="Support">Exact gold documents per class.</param>
/// <param name="MinorityClass">The class with the fewest gold documents in this unit (first in label order on a tie).</param>
/// <param name="AurocCoarse">Per class, the AUROC of the exact histograms summed into the DP grid, without noise: the grid's own share of the error.</param>
internal sealed record UnitUtility(
    string Unit,
    long DocumentsRead,
    long DocumentsEvaluated,
    double EvaluatedAbsoluteError,
    int ReleasesWithNegativeCell,
    IReadOnlyDictionary<string, long> Support,
    string MinorityClass,
    FigureSummary Accuracy,
    FigureSummary MacroF1,
    IReadOnlyDictionary<string, FigureSummary> Auroc,
    IReadOnlyDictionary<string, double?> AurocCoarse)
{
    public IEnumerable<UtilityRow> Rows()
    {
        yield return UtilityRow.From(Unit, "accuracy", Accuracy);
        yield return UtilityRow.From(Unit, "macro F1", MacroF1);
        yield return UtilityRow.MedianOverClasses(Unit, "AUROC, median over classes", [.. Auroc.Values]);
        yield return UtilityRow.From(Unit, $"AUROC, minority class ({MinorityClass}, {Support[MinorityClass]} gold)", Auroc[MinorityClass]);
    }
}

/// <summary>The noise one release carries, as its document states it.</summary>
internal sealed record NoiseFigures(double Epsilon, double Delta, double Rho, double OutcomeVariance, double? HistogramVariance, string Neighbouring);

/// <summary>One dataset's sites and pool, measured over every release.</summary>
internal sealed record DatasetUtility(
    string Dataset,
    int Releases,
    NoiseFigures SiteNoise,
    IReadOnlyList<UnitUtility> Sites,
    UnitUtility Pooled,
    double PooledHistogramVariance,
    TimeFigures Engine,
    TimeFigures Releasing)
{
    public IEnumerable<UnitUtility> Units => Sites.Append(Pooled);
}

/// <summary>Wall and CPU seconds of the whole process over one phase.</summary>
internal sealed record TimeFigures(double WallSeconds, double CpuSeconds);
