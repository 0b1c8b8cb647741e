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

    /// <summary><c>label</c> is absent, null or empty.</summary>
    public const string MissingLabel = "missing_label";

    /// <summary>The gold label is not one of the spec's labels.</summary>
    public const string UnknownLabel = "unknown_label";

    /// <summary>A document with the same <c>id</c> was already evaluated in this run; the first one counts.</summary>
    public const string DuplicateId = "duplicate_id";

    /// <summary>The line is longer than <see cref="EvaluationEngineOptions.MaxLineBytes"/>.</summary>
    public const string LineTooLong = "line_too_long";

    /// <summary>The model returned a non-finite score (NaN) for the document, so it has no prediction.</summary>
    public const string InvalidLogits = "invalid_logits";
}
