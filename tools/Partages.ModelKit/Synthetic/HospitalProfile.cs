namespace Partages.ModelKit.Synthetic;

/// <summary>How a laboratory writes its reports.</summary>
public enum ReportStyle
{
    /// <summary>Long templated reports, upper-case section headers, full antibiotic names in columns.</summary>
    Structured,

    /// <summary>Medium-length reports in sentence case, "Nom : valeur" lines, a free-text comment.</summary>
    Narrative,

    /// <summary>Short lower-case notes, antibiotic abbreviations on one line, often no conclusion.</summary>
    Terse,
}

/// <summary>
/// One fictional hospital: its writing style, its case mix and how often its reports are hard to read.
/// The names are invented; any likeness to a real institution is accidental.
/// </summary>
public sealed record HospitalProfile
{
    public required string Slug { get; init; }
    /// <summary>Prefix of document ids, e.g. "valmont" in "valmont-amr-000123".</summary>
    public required string IdPrefix { get; init; }
    public required string DisplayName { get; init; }
    /// <summary>Null for the training corpus, which mixes all styles.</summary>
    public required ReportStyle? Style { get; init; }
    /// <summary>Relative frequency of each label, in the order of <see cref="AmrLabels.All"/>.</summary>
    public required IReadOnlyList<double> AmrLabelWeights { get; init; }
    public required int AmrCount { get; init; }
    public required int OncologyCount { get; init; }
    /// <summary>Probability that a report carries a misleading mention (negation, history, co-isolate).</summary>
    public required double HardCaseRate { get; init; }
    /// <summary>Probability that a report states its conclusion in words rather than leaving the antibiogram to speak.</summary>
    public required double ConclusionRate { get; init; }
    /// <summary>
    /// Probability that a report is the provisional one (identification done, antibiogram pending) while
    /// its label is the final result: nothing in such a text can decide it.
    /// </summary>
    public required double PreliminaryRate { get; init; }
    /// <summary>Share of lung cancers among oncology reports; the rest splits between breast, colon and stomach.</summary>
    public required double LungShare { get; init; }

    /// <summary>How the hospital writes beyond its style (accents, capitals, abbreviations); none for the training corpus.</summary>
    public WritingHabits Habits { get; init; } = WritingHabits.None;

    /// <summary>The second annotator's disagreement; null: the hospital's reports are annotated once.</summary>
    public SecondAnnotator? SecondAnnotator { get; init; }

    /// <summary>
    /// This hospital's own random stream for <paramref name="purpose"/> (e.g. "habits/amr"): adding a hospital or a
    /// purpose shifts no other's draws.
    /// </summary>
    public DeterministicRandom Stream(ulong seed, string purpose) => DeterministicRandom.ForStream(seed, purpose + "/" + Slug);
}

/// <summary>The demo's three fictional hospitals and the profile of the separate training corpus.</summary>
public static class SyntheticHospitals
{
    public static HospitalProfile ChuValmont { get; } = new()
    {
        Slug = "chu-valmont",
        IdPrefix = "valmont",
        DisplayName = "CHU de Valmont",
        Style = ReportStyle.Structured,
        AmrLabelWeights = [0.42, 0.24, 0.16, 0.18],
        AmrCount = 280,
        OncologyCount = 120,
        HardCaseRate = 0.30,
        ConclusionRate = 0.90,
        PreliminaryRate = 0.04,
        LungShare = 0.55,
        // Its reporting software contracts the long forms in a share of reports (ECBU, IHC…).
        Habits = new WritingHabits { Abbreviates = 0.4 },
        SecondAnnotator = new SecondAnnotator { LabelDisagreement = 0.06, EntityMissed = 0.04, EntityChanged = 0.05 },
    };

    public static HospitalProfile ChSaintAubin { get; } = new()
    {
        Slug = "ch-saint-aubin",
        IdPrefix = "saintaubin",
        DisplayName = "Centre hospitalier de Saint-Aubin",
        Style = ReportStyle.Narrative,
        AmrLabelWeights = [0.60, 0.22, 0.13, 0.05],
        AmrCount = 210,
        OncologyCount = 90,
        HardCaseRate = 0.20,
        ConclusionRate = 0.85,
        PreliminaryRate = 0.05,
        LungShare = 0.35,
        // An old export folds a share of reports to ASCII.
        Habits = new WritingHabits { DropsAccents = 0.35 },
        SecondAnnotator = new SecondAnnotator { LabelDisagreement = 0.10, EntityMissed = 0.06, EntityChanged = 0.08 },
    };

    public static HospitalProfile HopitalKerbrac { get; } = new()
    {
        Slug = "hopital-kerbrac",
        IdPrefix = "kerbrac",
        DisplayName = "Hôpital de Kerbrac",
        Style = ReportStyle.Terse,
        AmrLabelWeights = [0.48, 0.17, 0.30, 0.05],
        AmrCount = 160,
        OncologyCount = 60,
        HardCaseRate = 0.25,
        ConclusionRate = 0.65,
        PreliminaryRate = 0.08,
        LungShare = 0.25,
        // Its laboratory system prints a share of reports in capitals.
        Habits = new WritingHabits { UpperCase = 0.3 },
        SecondAnnotator = new SecondAnnotator { LabelDisagreement = 0.15, EntityMissed = 0.08, EntityChanged = 0.10 },
    };

    public static IReadOnlyList<HospitalProfile> All { get; } = [ChuValmont, ChSaintAubin, HopitalKerbrac];

    /// <summary>The corpus the model learns from: every style, a flatter label mix, never shown to a node.</summary>
    public static HospitalProfile Training { get; } = new()
    {
        Slug = "train",
        IdPrefix = "train",
        DisplayName = "Corpus d'entraînement (fictif)",
        Style = null,
        AmrLabelWeights = [0.40, 0.25, 0.20, 0.15],
        AmrCount = 2000,
        OncologyCount = 0,
        HardCaseRate = 0.25,
        ConclusionRate = 0.80,
        PreliminaryRate = 0.05,
        LungShare = 0.40,
    };
}
