namespace Partages.ModelKit.Synthetic;

/// <summary>A fictional microbiology report and its single resistance label (one of <see cref="AmrLabels.All"/>).</summary>
public sealed record AmrReport(string Id, string Text, string Label)
{
    /// <summary>A second annotator's label (<see cref="SecondAnnotator"/>), written as <c>label_b</c>; null: annotated once.</summary>
    public string? SecondLabel { get; init; }
}

/// <summary>
/// A span of <see cref="OncologyReport.Text"/>: <c>Text[Start..End]</c>, start inclusive, end exclusive,
/// in UTF-16 code units (the texts hold no surrogate pairs, so these are also code points).
/// </summary>
public sealed record EntitySpan(int Start, int End, string Label)
{
    /// <summary>STATUS: the result states an absence ("non muté", "absence de mutation"): brat attribute <c>Negation</c>.</summary>
    public bool Negated { get; init; }

    /// <summary>STATUS: the result is equivocal (HER2 2+): brat attribute <c>Hypothesis</c>.</summary>
    public bool Hypothetical { get; init; }

    /// <summary>BIOMARKER: the ICD-O-3 morphology code of the tumour it was tested on (<see cref="OncologyCodes"/>); null otherwise.</summary>
    public string? Code { get; init; }
}

/// <summary>
/// The oncology corpus's qualifiers: negation read off a result phrase, and the ICD-O-3 morphology codes of the
/// fictional diagnoses (real classification codes; the reports and their pairing are fictional).
/// </summary>
public static class OncologyCodes
{
    public const string System = "ICD-O-3";

    /// <summary>Every code a diagnosis maps to, in a fixed order (a model's code logits).</summary>
    public static IReadOnlyList<string> All { get; } = ["8140/3", "8144/3", "8490/3", "8500/3", "8520/3", "8551/3"];

    public static string Morphology(string diagnosis) => diagnosis switch
    {
        _ when diagnosis.Contains("acineuse", StringComparison.Ordinal) => "8551/3",
        _ when diagnosis.Contains("type non spécifique", StringComparison.Ordinal) => "8500/3",
        _ when diagnosis.Contains("lobulaire", StringComparison.Ordinal) => "8520/3",
        _ when diagnosis.Contains("type intestinal", StringComparison.Ordinal) => "8144/3",
        _ when diagnosis.Contains("peu cohésif", StringComparison.Ordinal) => "8490/3",
        _ => "8140/3",
    };

    /// <summary>A result phrase that states an absence or a negative result.</summary>
    public static bool IsNegated(string status) =>
        status is "wt" or "nég" || status.StartsWith("non ", StringComparison.Ordinal) || status.StartsWith("absence", StringComparison.Ordinal)
        || status.StartsWith("pas de", StringComparison.Ordinal) || status.Contains("négatif", StringComparison.Ordinal)
        || status.Contains("non détecté", StringComparison.Ordinal) || status == "statut sauvage";
}

/// <summary>A fictional pathology report, its document label (one of <see cref="OncologyLabels.All"/>) and its gold entities.</summary>
public sealed record OncologyReport(string Id, string Text, string Label, IReadOnlyList<EntitySpan> Entities)
{
    /// <summary>A second annotator's document label, written as <c>label_b</c>; null: annotated once.</summary>
    public string? SecondLabel { get; init; }

    /// <summary>A second annotator's entities, written as <c>entities_b</c> and as the second brat folder; null: annotated once.</summary>
    public IReadOnlyList<EntitySpan>? SecondEntities { get; init; }
}

/// <summary>
/// The loop both report generators share: one deterministic random stream per corpus and hospital (so that adding a
/// hospital or a corpus changes no other's reports), and ids numbered from 1 after the hospital's prefix.
/// </summary>
internal static class HospitalCorpus
{
    /// <param name="corpus">The random stream's name, e.g. "amr".</param>
    /// <param name="idKind">The middle part of the ids, e.g. "amr" in "valmont-amr-000123".</param>
    /// <param name="draw">One report from the stream, with the id it must carry.</param>
    public static IReadOnlyList<T> Generate<T>(HospitalProfile profile, int count, ulong seed, string corpus, string idKind, Func<DeterministicRandom, string, T> draw)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = profile.Stream(seed, corpus);
        var reports = new List<T>(count);
        for (var i = 1; i <= count; i++)
        {
            reports.Add(draw(random, string.Create(CultureInfo.InvariantCulture, $"{profile.IdPrefix}-{idKind}-{i:D6}")));
        }

        return reports;
    }
}

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
