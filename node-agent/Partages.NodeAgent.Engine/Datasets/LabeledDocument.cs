namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// A usable document and its gold annotations, as indices into the spec's label order. Which are set depends on
/// what the reader was asked for (<see cref="GoldKind"/>): <see cref="Label"/> for single-label classification (else
/// -1), <see cref="Labels"/> for multi-label classification (possibly empty), <see cref="Entities"/> for entity
/// spans. <see cref="Id"/> is set by the classification readers for local mode's predictions file; the pipeline
/// passes it on only to a local-mode prediction sink, never into anything released.
/// </summary>
internal readonly record struct LabeledDocument(string Text, int Label, int[]? Labels = null, EntitySpan[]? Entities = null)
{
    public string? Id { get; init; }
}

/// <summary>
/// A gold entity: <c>[Start, End)</c> in UTF-16 code units of the document's text (readers convert from the
/// dataset's Unicode code point offsets) and the index of its label in the spec's order.
/// </summary>
internal readonly record struct EntitySpan(int Start, int End, int Label)
{
    /// <summary>Its attributes, code and fragments, over the bundle's declarations; null when it carries none.</summary>
    public SpanQualifiers? Qualifiers { get; init; }
}

/// <summary>Which gold annotation a reader requires of every document.</summary>
internal enum GoldKind
{
    /// <summary><c>label</c>: one string.</summary>
    SingleLabel,

    /// <summary><c>labels</c>: an array of strings, possibly empty.</summary>
    MultiLabel,

    /// <summary><c>entities</c>: an array of <c>{start, end, label}</c>, possibly empty.</summary>
    Entities,
}

/// <summary>A streaming reader of one dataset's usable documents, counting the unusable ones by kind.</summary>
internal interface IDocumentReader
{
    /// <summary>Documents met so far, usable or skipped (blank lines are layout, not documents).</summary>
    long DocumentsRead { get; }

    SkipTally Skipped { get; }

    /// <summary>The next usable document, counting every unusable one on the way. False at the end of the dataset.</summary>
    bool TryRead(out LabeledDocument document);
}
