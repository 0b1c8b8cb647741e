namespace Partages.Evaluation.Quality;

/// <summary>
/// One report as the QC profile sees it: its text and gold annotations as the file gives them (label strings,
/// not indices: QC runs before any spec says which labels exist) and what the reader found in its raw bytes.
/// </summary>
/// <param name="Entities">Gold spans in code points, end exclusive, as the datasets write them.</param>
public sealed record QcDocument(string Text, IReadOnlyList<string> Labels, IReadOnlyList<QcEntity> Entities)
{
    /// <summary>Findings only the reader can see in the bytes (BOM, invalid UTF-8 replaced), by kind.</summary>
    public IReadOnlyCollection<string> ReaderFindings { get; init; } = [];

    /// <summary>Each annotator's document label, in the order agreement was asked for (null: not labelled, or not asked).</summary>
    public IReadOnlyList<string?> LabelsByAnnotator { get; init; } = [];

    /// <summary>Each annotator's entities, in the order agreement was asked for (null: the annotator gave none for this report).</summary>
    public IReadOnlyList<IReadOnlyList<QcEntity>?> EntitiesByAnnotator { get; init; } = [];
}

public sealed record QcEntity(int Start, int End, string Label, int Fragments = 1);

/// <summary>The kinds of finding a QC report counts, one report at most once per kind.</summary>
public static class QcFindings
{
    public const string Bom = "byte_order_mark";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string ControlCharacters = "control_characters";
    public const string CrLf = "crlf_line_breaks";
    public const string Nfd = "decomposed_accents_nfd";
    public const string NfcAndNfdInOneReport = "nfc_and_nfd_in_one_report";
    public const string Empty = "empty";
    public const string ExactDuplicate = "exact_duplicate";
    public const string NearDuplicate = "near_duplicate";
    public const string OverlappingEntities = "overlapping_entities";
    public const string EntityOutOfRange = "entity_out_of_range";
    public const string DiscontinuousEntity = "discontinuous_entity";
    public const string NoGold = "no_gold_annotation";
}
