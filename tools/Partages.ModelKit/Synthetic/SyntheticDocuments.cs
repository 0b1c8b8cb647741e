namespace Partages.ModelKit.Synthetic;

/// <summary>A fictional microbiology report and its single resistance label (one of <see cref="AmrLabels.All"/>).</summary>
public sealed record AmrReport(string Id, string Text, string Label);

/// <summary>
/// A span of <see cref="OncologyReport.Text"/>: <c>Text[Start..End]</c>, start inclusive, end exclusive,
/// in UTF-16 code units (the texts hold no surrogate pairs, so these are also code points).
/// </summary>
public sealed record EntitySpan(int Start, int End, string Label);

/// <summary>A fictional pathology report, its document label (one of <see cref="OncologyLabels.All"/>) and its gold entities.</summary>
public sealed record OncologyReport(string Id, string Text, string Label, IReadOnlyList<EntitySpan> Entities);

public static class AmrLabels
{
    public const string Sensible = "sensible";
    public const string Blse = "BLSE";
    public const string Sarm = "SARM";
    public const string Epc = "EPC";

    /// <summary>In the order of the classifier's logits.</summary>
    public static IReadOnlyList<string> All { get; } = [Sensible, Blse, Sarm, Epc];
}

/// <summary>
/// Document label of an oncology report: the driver biomarker found positive (at most one per report),
/// else PD-L1 when highly expressed (TPS ≥ 50 % or CPS ≥ 10), else <see cref="Negative"/>.
/// </summary>
public static class OncologyLabels
{
    public const string Her2 = "HER2";
    public const string Egfr = "EGFR";
    public const string Kras = "KRAS";
    public const string Alk = "ALK";
    public const string PdL1 = "PD-L1";
    public const string Negative = "negatif";

    public const string BiomarkerEntity = "BIOMARKER";
    public const string StatusEntity = "STATUS";

    public static IReadOnlyList<string> All { get; } = [Her2, Egfr, Kras, Alk, PdL1, Negative];
}
