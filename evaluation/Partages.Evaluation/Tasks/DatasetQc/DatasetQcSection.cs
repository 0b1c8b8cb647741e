using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// <c>dataset_qc</c>: what a federated QC run releases of one site's dataset (docs/data-quality.md, "Federated QC").
/// Every array lies on data-independent bins (power-of-two lengths, the spec's categories, a fixed list of finding
/// kinds), so two sites line up cell for cell and pool by addition, and each released figure states its per-report
/// sensitivity under replace-one. Near-duplicate counts are not here: one report can be the near-duplicate of many,
/// so they stay in the hospital's local report (ERRATA 17).
/// </summary>
public sealed record DatasetQcSection
{
    /// <summary>What the spec asked to profile: <see cref="DatasetQcAnnotation.Labels"/> or <see cref="DatasetQcAnnotation.Entities"/>.</summary>
    public required string Annotation { get; init; }

    /// <summary>The categories of <see cref="CategoryCounts"/>: the spec's labels, then <see cref="DatasetQcCategories.Other"/> (and <see cref="DatasetQcCategories.None"/> for labels).</summary>
    public required IReadOnlyList<string> Categories { get; init; }

    /// <summary>Reports per power-of-two bin of their length in code points (<see cref="Quality.LengthHistogram"/>).</summary>
    public required long[] CharacterLengths { get; init; }

    /// <summary>Reports per power-of-two bin of their length in words.</summary>
    public required long[] WordLengths { get; init; }

    /// <summary>Labels: documents per category (a document once under each). Entities: entities per type, at most <see cref="MaxEntitiesPerReport"/> per report and type when set.</summary>
    public required long[] CategoryCounts { get; init; }

    /// <summary>Reports per finding kind, every kind of <see cref="DatasetQcFindings.Released"/> present (zero or not).</summary>
    public required IReadOnlyDictionary<string, long> Findings { get; init; }

    /// <summary>The clip on entities per report and type (the policy's <c>max_entities_per_report</c>) under differential privacy; null: exact counts.</summary>
    public int? MaxEntitiesPerReport { get; init; }

    /// <summary>Per released figure (<see cref="DatasetQcFigures"/>), what one report can move under replace-one.</summary>
    public required IReadOnlyDictionary<string, QcSensitivity> Sensitivity { get; init; }

    /// <summary>Per released figure, the variance of the noise on each of its counts; null for an exact release. Pooled: summed over the sites.</summary>
    public IReadOnlyDictionary<string, double>? NoiseVariance { get; init; }

    /// <summary>Agreement between the spec's annotators; null when the spec names none.</summary>
    public QcAgreementSection? Agreement { get; init; }

    /// <summary>The dataset through the bundle's tokenizer, when the evaluation was submitted with a bundle; null otherwise.</summary>
    public QcPiecesSection? Pieces { get; init; }
}

/// <summary>
/// Given a bundle: report lengths in the model's pieces, the reports longer than its window, and the unknown-piece
/// rate (unknown pieces among each report's first <see cref="Window"/> pieces, which bounds one report's weight).
/// </summary>
public sealed record QcPiecesSection
{
    /// <summary>Pieces the model reads in one window: the manifest's <c>max_length</c> minus the two framing tokens.</summary>
    public required int Window { get; init; }

    /// <summary>The tokenizer's unknown token, e.g. <c>[UNK]</c>.</summary>
    public required string UnknownToken { get; init; }

    /// <summary>Reports per power-of-two bin of their length in pieces (the bins of <see cref="Quality.LengthHistogram"/>).</summary>
    public required long[] PieceLengths { get; init; }

    /// <summary>Reports with more pieces than <see cref="Window"/>.</summary>
    public required long LongerThanWindow { get; init; }

    /// <summary>Pieces read for the unknown-piece rate: at most <see cref="Window"/> per report.</summary>
    public required long PiecesInWindow { get; init; }

    /// <summary>Unknown pieces among <see cref="PiecesInWindow"/>.</summary>
    public required long UnknownPieces { get; init; }

    /// <summary><see cref="LongerThanWindow"/> / n_documents, with its interval.</summary>
    public QcFigure? ShareLongerThanWindow { get; init; }

    /// <summary><see cref="UnknownPieces"/> / <see cref="PiecesInWindow"/>, with its interval under differential privacy.</summary>
    public QcFigure? UnknownPieceRate { get; init; }
}

/// <summary>What one report can move in a released figure: Δ₂² under replace-one, or null with the reason (an exact release of an unbounded count).</summary>
public sealed record QcSensitivity(double? L2Squared, string Note);

/// <summary>
/// Agreement counts. Labels: Krippendorff's coincidence pairs per unit size (order-free, so they pool across sites),
/// Cohen's table with two annotators (a per-site figure: which annotator is "first" differs by site, ERRATA 17),
/// Fleiss' table with three or more annotators on every document (exact releases only). Entities: per annotator pair
/// and type, both annotators' entities and the strict and partial matches.
/// </summary>
public sealed record QcAgreementSection
{
    /// <summary>The annotators' fields, as the spec names them.</summary>
    public required IReadOnlyList<string> Annotators { get; init; }

    /// <summary>Labels: per unit size m (2..annotators, every size present), ordered label pairs from different annotators, category by category.</summary>
    public IReadOnlyDictionary<string, long[][]>? CoincidencePairs { get; init; }

    /// <summary>Labels, two annotators, one site: the first annotator's label (row) against the second's (column). Never pooled.</summary>
    public long[][]? CohenTable { get; init; }

    /// <summary>Labels, three or more annotators who all labelled every document; exact releases only.</summary>
    public QcFleissCounts? Fleiss { get; init; }

    /// <summary>Entities: per annotator pair and type.</summary>
    public IReadOnlyList<QcEntityPairCounts>? EntityPairs { get; init; }

    /// <summary>Krippendorff's α (nominal) from <see cref="CoincidencePairs"/>.</summary>
    public QcFigure? Alpha { get; init; }

    /// <summary>Cohen's κ from <see cref="CohenTable"/>.</summary>
    public QcFigure? CohenKappa { get; init; }

    /// <summary>Fleiss' κ from <see cref="Fleiss"/>.</summary>
    public QcFigure? FleissKappa { get; init; }
}

public sealed record QcFleissCounts(long Documents, long SumOfSquaredCounts, long[] LabelTotals);

/// <summary>One annotator pair and entity type: each one's entities, and those matched one to one with the same span (strict) or an overlapping one (partial, strict included).</summary>
public sealed record QcEntityPairCounts(string First, string Second, string Type, long FirstEntities, long SecondEntities, long StrictMatches, long PartialMatches)
{
    /// <summary>2·strict / (first + second).</summary>
    public QcFigure? StrictF1 { get; init; }

    /// <summary>2·partial / (first + second).</summary>
    public QcFigure? PartialF1 { get; init; }
}

/// <summary>A figure with its 95 % interval; <see cref="Value"/> null: not estimable (no denominator, or not clearly above the noise).</summary>
public sealed record QcFigure(double? Value, Interval? Interval);

/// <summary>The values of a dataset_qc spec's <c>annotation</c>.</summary>
public static class DatasetQcAnnotation
{
    public const string Labels = "labels";
    public const string Entities = "entities";

    public static IReadOnlyList<string> All { get; } = [Labels, Entities];
}

/// <summary>The extra categories beside the spec's labels (angle brackets: no label name can take them).</summary>
public static class DatasetQcCategories
{
    /// <summary>A label or entity type the spec does not list.</summary>
    public const string Other = "<other>";

    /// <summary>A document without any label.</summary>
    public const string None = "<none>";

    public static IReadOnlyList<string> For(string annotation, IReadOnlyList<string> labels) =>
        annotation == DatasetQcAnnotation.Entities ? [.. labels, Other] : [.. labels, Other, None];
}

/// <summary>The names of the released figures, as <see cref="DatasetQcSection.Sensitivity"/> and <see cref="DatasetQcSection.NoiseVariance"/> key them.</summary>
public static class DatasetQcFigures
{
    public const string CharacterLengths = "character_lengths";
    public const string WordLengths = "word_lengths";
    public const string Categories = "category_counts";
    public const string Findings = "findings";
    public const string Coincidences = "coincidence_pairs";
    public const string Cohen = "cohen_table";
    public const string Fleiss = "fleiss";
    public const string EntityPairs = "entity_pairs";
    public const string PieceLengths = "piece_lengths";
    public const string LongerThanWindow = "longer_than_window";
    public const string UnknownPieces = "unknown_pieces";
}

/// <summary>The finding kinds a federated QC releases: each moves by at most one per report under replace-one.</summary>
public static class DatasetQcFindings
{
    /// <summary>
    /// Every kind the readers count except <c>near_duplicate</c> (unbounded sensitivity). <c>exact_duplicate</c> is
    /// n − distinct texts: replacing one report changes the distinct texts by at most one.
    /// </summary>
    public static IReadOnlyList<string> Released { get; } =
    [
        Quality.QcFindings.Bom,
        Quality.QcFindings.InvalidUtf8,
        Quality.QcFindings.ControlCharacters,
        Quality.QcFindings.CrLf,
        Quality.QcFindings.Nfd,
        Quality.QcFindings.NfcAndNfdInOneReport,
        Quality.QcFindings.Empty,
        Quality.QcFindings.ExactDuplicate,
        Quality.QcFindings.OverlappingEntities,
        Quality.QcFindings.EntityOutOfRange,
        Quality.QcFindings.DiscontinuousEntity,
        Quality.QcFindings.NoGold,
        MalformedLine,
        LineTooLong,
        OtherFinding,
    ];

    /// <summary>Where a reader's kind not listed here goes (a CSV's malformed record, a brat folder's missing .ann…).</summary>
    public const string OtherFinding = "other_finding";

    /// <summary>The readers' unreadable kinds (kept here so the core library lists every released kind).</summary>
    public const string MalformedLine = "malformed_line";

    public const string LineTooLong = "line_too_long";
}
