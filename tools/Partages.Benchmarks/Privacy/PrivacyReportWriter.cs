namespace Partages.Benchmarks.Privacy;

/// <summary>Prints one dataset's figures as the Markdown tables docs/benchmarks.md quotes.</summary>
internal static class PrivacyReportWriter
{
    /// <summary>Issue 22's targets for the pool of 3 × 2,000 reports: median absolute error of accuracy and of AUROC.</summary>
    public const double AccuracyTarget = 0.01, AurocTarget = 0.02;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write(TextWriter output, DatasetUtility utility)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(utility);
        var noise = utility.SiteNoise;
        output.WriteLine();
        output.WriteLine($"## dataset: {utility.Dataset}");
        output.WriteLine(string.Join(", ", utility.Sites.Select(s => string.Create(Invariant, $"{s.Unit} {s.DocumentsRead} reports"))));
        output.WriteLine(string.Create(Invariant,
            $"each site's release: ε {noise.Epsilon:0.###} (δ {noise.Delta:0.#####E0}, ρ {noise.Rho:0.######}), {noise.Neighbouring}; noise variance σ² {noise.OutcomeVariance:0.##} per outcome cell (σ {Math.Sqrt(noise.OutcomeVariance):0.0}), {noise.HistogramVariance:0.##} per histogram bin (σ {Math.Sqrt(noise.HistogramVariance ?? 0):0.0}); pooled: the sum over sites ({utility.PooledHistogramVariance:0.##} per bin)"));
        output.WriteLine(string.Create(Invariant,
            $"engine (exact results, once per site): wall {utility.Engine.WallSeconds:0.0} s, cpu {utility.Engine.CpuSeconds:0.0} s; {utility.Releases} releases × ({utility.Sites.Count} sites + pool): wall {utility.Releasing.WallSeconds:0.0} s, cpu {utility.Releasing.CpuSeconds:0.0} s ({1000 * utility.Releasing.WallSeconds / utility.Releases:0} ms wall per round)"));

        output.WriteLine();
        output.WriteLine($"Figures over {utility.Releases} releases (error, width and coverage over the estimable ones; coverage: the 95 % interval contains the exact figure):");
        output.WriteLine();
        output.WriteLine("| unit | figure | exact | median \\|error\\| | median error | median 95 % width | coverage | not estimable |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in utility.Units.SelectMany(u => u.Rows()))
        {
            output.WriteLine($"| {row.Unit} | {row.Figure} | {F(row.Exact)} | {F(row.MedianAbsoluteError)} | {Signed(row.MedianSignedError)} | {F(row.MedianWidth)} | {P(row.Coverage)} | {P(row.NotEstimableShare)} |");
        }

        output.WriteLine();
        output.WriteLine("AUROC per class (exact: the fine 0.001 grid, as released without DP; coarse: the exact counts on the DP grid, no noise):");
        output.WriteLine();
        output.WriteLine("| unit | class | gold | exact | coarse, no noise | median \\|error\\| | median error | median 95 % width | coverage | not estimable |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var unit in utility.Units)
        {
            foreach (var (label, summary) in unit.Auroc)
            {
                output.WriteLine(string.Create(Invariant,
                    $"| {unit.Unit} | {label} | {unit.Support[label]} | {F(summary.Exact)} | {F(unit.AurocCoarse[label])} | {F(summary.MedianAbsoluteError)} | {Signed(summary.MedianSignedError)} | {F(summary.MedianWidth)} | {P(summary.Coverage)} | {P(summary.NotEstimableShare)} |"));
            }
        }

        output.WriteLine();
        output.WriteLine("Documents (replace-one: lines read are the same on neighbouring snapshots and released exactly; evaluated is the sum of the noisy matrix):");
        output.WriteLine();
        output.WriteLine("| unit | lines read (exact in every release) | evaluated, exact | evaluated, median \\|error\\| | releases with a negative matrix cell |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var unit in utility.Units)
        {
            output.WriteLine(string.Create(Invariant,
                $"| {unit.Unit} | {unit.DocumentsRead} | {unit.DocumentsEvaluated} | {unit.EvaluatedAbsoluteError:0.#} | {unit.ReleasesWithNegativeCell} of {utility.Releases} |"));
        }

        var pooled = utility.Pooled;
        var aurocMedian = UtilityRow.MedianOverClasses(pooled.Unit, "", [.. pooled.Auroc.Values]).MedianAbsoluteError;
        var aurocMinority = pooled.Auroc[pooled.MinorityClass].MedianAbsoluteError;
        output.WriteLine();
        output.WriteLine(string.Create(Invariant,
            $"issue 22 targets (set for 3 × 2,000), pooled: accuracy median |error| {F(pooled.Accuracy.MedianAbsoluteError)} (target ≤ {AccuracyTarget}: {Verdict(pooled.Accuracy.MedianAbsoluteError, AccuracyTarget)}); AUROC median |error| {F(aurocMedian)} median over classes ({Verdict(aurocMedian, AurocTarget)}), {F(aurocMinority)} minority class {pooled.MinorityClass} ({Verdict(aurocMinority, AurocTarget)}) (target ≤ {AurocTarget})"));
    }

    private static string Verdict(double? error, double target) => error is { } e ? (e <= target ? "met" : "MISSED") : "not estimable";

    private static string F(double? value) => value is { } v ? v.ToString("0.0000", Invariant) : "—";

    private static string Signed(double? value) => value is { } v ? v.ToString("+0.0000;-0.0000;0.0000", Invariant) : "—";

    private static string P(double? value) => value is { } v ? v.ToString("0%", Invariant) : "—";
}
