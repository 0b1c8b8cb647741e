namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Why a dataset line was set aside: the keys of <see cref="Evaluation.Results.InputSummary.Skipped"/>. Lines are
/// counted by kind, never quoted, so the coordinator learns how much input was unusable and why, and nothing else.
/// </summary>
public static class SkipKinds
{
    /// <summary>Not one JSON object, or <c>id</c> / <c>text</c> missing, or a field of the wrong type.</summary>
    public const string MalformedJson = "malformed_json";

    /// <summary>The line's bytes are not valid UTF-8.</summary>
    public const string InvalidUtf8 = "invalid_utf8";

    /// <summary><c>text</c> is empty or only whitespace.</summary>
    public const string EmptyText = "empty_text";

    /// <summary>The gold annotation (<c>label</c>, <c>labels</c> or <c>entities</c>, as the task needs) is absent, null or empty.</summary>
    public const string MissingLabel = "missing_label";

    /// <summary>A gold label (of the document or of an entity) is not one of the spec's labels.</summary>
    public const string UnknownLabel = "unknown_label";

    /// <summary>A document with the same <c>id</c> was already evaluated in this run; the first one counts.</summary>
    public const string DuplicateId = "duplicate_id";

    /// <summary>The line is longer than <see cref="EvaluationEngineOptions.MaxLineBytes"/>.</summary>
    public const string LineTooLong = "line_too_long";

    /// <summary>The model returned a non-finite score (NaN) for the document, so it has no prediction.</summary>
    public const string InvalidLogits = "invalid_logits";

    /// <summary>A CSV record that is not RFC 4180: wrong number of fields, a quote inside an unquoted field, text after a closing quote, a quote left open at the end of the file.</summary>
    public const string MalformedCsv = "malformed_csv";

    /// <summary>A gold entity span lies outside the text, or is empty or reversed. The whole document is set aside.</summary>
    public const string OffsetOutOfRange = "offset_out_of_range";

    /// <summary>Two gold entity spans share a character. The whole document is set aside: a flat tagger cannot represent both.</summary>
    public const string OverlappingSpan = "overlapping_span";

    /// <summary>brat: a <c>.txt</c> file has no <c>.ann</c> file beside it (an absent file is not read as "no entities").</summary>
    public const string MissingAnnotations = "missing_annotations";

    /// <summary>brat: a text-bound (<c>T</c>) line of the <c>.ann</c> file cannot be parsed.</summary>
    public const string MalformedAnnotation = "malformed_annotation";

    /// <summary>
    /// brat: a text-bound line's mention text (its third column) is not the text at its offsets, with the byte order
    /// mark counted (brat's convention) nor without it.
    /// </summary>
    public const string MentionMismatch = "mention_mismatch";

    /// <summary>brat: an <c>.ann</c> file has no <c>.txt</c> beside it; it counts as a document read and set aside.</summary>
    public const string OrphanAnnotations = "orphan_annotations";

    /// <summary>brat: a <c>.txt</c> or <c>.ann</c> file is larger than <see cref="EvaluationEngineOptions.MaxLineBytes"/>.</summary>
    public const string FileTooLong = "file_too_long";

    /// <summary>
    /// The model (or the tokenizer) could not score the document within the run's limits: its inference call failed,
    /// exceeded <see cref="EvaluationEngineOptions.BatchTimeoutSeconds"/>, ran out of memory, or the worker died on it.
    /// Counted, never fatal, so whether a run completes does not depend on any one report (docs/threat-model.md).
    /// </summary>
    public const string InferenceFailed = "inference_failed";

    /// <summary>
    /// An entity's attribute that the bundle declares has a value it does not declare (brat <c>A</c> line, JSONL
    /// <c>attributes</c>), while the spec asks span_attribute. The whole document is set aside, as for an unknown label.
    /// </summary>
    public const string UnknownAttributeValue = "unknown_attribute_value";

    /// <summary>An entity's code of the bundle's code system is not among its declared codes (brat <c>N</c> line, JSONL <c>code</c>), while the spec asks normalisation.</summary>
    public const string UnknownCode = "unknown_code";

    /// <summary>Multiple-choice QA: a question without at least two options (an object of letter → non-empty text).</summary>
    public const string NoOptions = "no_options";

    /// <summary>Multiple-choice QA: a gold answer letter that is not among the question's own options.</summary>
    public const string AnswerNotOffered = "answer_not_offered";

    /// <summary>
    /// Every kind above, in ordinal order: the data-independent set of cells a release can list (a kind no line met
    /// is absent from a result, so a release that must not reveal which kinds occurred fills the rest with 0 first).
    /// </summary>
    public static IReadOnlyList<string> All { get; } =
    [
        .. new[]
        {
            MalformedJson, InvalidUtf8, EmptyText, MissingLabel, UnknownLabel, DuplicateId, LineTooLong, InvalidLogits,
            MalformedCsv, OffsetOutOfRange, OverlappingSpan, MissingAnnotations, MalformedAnnotation, FileTooLong, InferenceFailed,
            MentionMismatch, OrphanAnnotations, UnknownAttributeValue, UnknownCode, NoOptions, AnswerNotOffered,
        }.Order(StringComparer.Ordinal),
    ];
}
