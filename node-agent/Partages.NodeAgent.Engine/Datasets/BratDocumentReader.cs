using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Reads a brat standoff folder for entity recognition: each <c>name.txt</c> (UTF-8) is a document and the
/// <c>name.ann</c> beside it its gold entities, from the text-bound lines <c>T1&lt;TAB&gt;LABEL start end&lt;TAB&gt;text</c>.
/// Offsets count Unicode code points, as brat (Python) does, and are converted to .NET string indices; the text is
/// kept byte for byte (a byte order mark included), since brat's offsets count it too. Other annotation lines
/// (relations, events, attributes, notes, comments) are ignored. Files are read in ordinal order of their path
/// relative to the folder, sub-folders included.
/// <para>
/// Discontinuous spans (<c>LABEL 0 5;10 15</c>) are kept as the <b>covering span</b> (<c>0 15</c>) and counted
/// per span under <see cref="AnnotationNotes.DiscontinuousSpan"/> in <see cref="Notes"/>, not in
/// <see cref="Skipped"/>: the document is still evaluated, so counting it as skipped would break
/// <c>documents_read = documents_evaluated + skipped</c>. Covering rather than splitting keeps one gold entity per
/// annotated mention, which is what a flat tagger can at best predict; a covering span that then overlaps another
/// entity makes the document <c>overlapping_span</c>.
/// </para>
/// Any problem with a document's gold (no <c>.ann</c>, a malformed <c>T</c> line, an unknown label, an offset
/// outside the text, two spans sharing a character) sets the whole document aside under its kind: scoring a model
/// against partial gold would count its correct entities as false positives.
/// </summary>
internal sealed class BratDocumentReader : IDocumentReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IEnumerator<FileInfo> _texts;
    private readonly Dictionary<string, int> _labels;
    private readonly long _maxFileBytes;

    public BratDocumentReader(DirectoryInfo folder, IReadOnlyList<string> labels, long maxFileBytes)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(labels);
        _texts = EnumerateTexts(folder).GetEnumerator();
        _labels = labels.Select((label, index) => (label, index)).ToDictionary(p => p.label, p => p.index, StringComparer.Ordinal);
        _maxFileBytes = maxFileBytes;
    }

    public long DocumentsRead { get; private set; }

    public SkipTally Skipped { get; } = new();

    /// <summary>Adjustments made to documents that were kept, counted per span (<see cref="AnnotationNotes"/>).</summary>
    public SkipTally Notes { get; } = new();

    /// <summary>The <c>.txt</c> files of a brat folder, in ordinal order of their relative path: the documents, whatever their <c>.ann</c>.</summary>
    public static IEnumerable<FileInfo> EnumerateTexts(DirectoryInfo folder) =>
        folder.EnumerateFiles("*.txt", new EnumerationOptions { RecurseSubdirectories = true, MatchCasing = MatchCasing.CaseSensitive, AttributesToSkip = FileAttributes.Hidden })
            .OrderBy(f => Path.GetRelativePath(folder.FullName, f.FullName), StringComparer.Ordinal);

    public bool TryRead(out LabeledDocument document)
    {
        while (_texts.MoveNext())
        {
            DocumentsRead++;
            var skip = Classify(_texts.Current, out document, out var discontinuous);
            if (skip is null)
            {
                for (var i = 0; i < discontinuous; i++)
                {
                    Notes.Add(AnnotationNotes.DiscontinuousSpan);
                }

                return true;
            }

            Skipped.Add(skip);
        }

        document = default;
        return false;
    }

    private string? Classify(FileInfo textFile, out LabeledDocument document, out int discontinuous)
    {
        document = default;
        discontinuous = 0;
        var annFile = new FileInfo(Path.ChangeExtension(textFile.FullName, ".ann"));
        if (!annFile.Exists)
        {
            return SkipKinds.MissingAnnotations;
        }

        if (textFile.Length > _maxFileBytes || annFile.Length > _maxFileBytes)
        {
            return SkipKinds.FileTooLong;
        }

        string text, annotations;
        try
        {
            text = StrictUtf8.GetString(File.ReadAllBytes(textFile.FullName));
            annotations = StrictUtf8.GetString(File.ReadAllBytes(annFile.FullName));
        }
        catch (DecoderFallbackException)
        {
            return SkipKinds.InvalidUtf8;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return SkipKinds.EmptyText;
        }

        var offsets = new CodePointOffsets(text);
        var spans = new List<EntitySpan>();
        foreach (var rawLine in annotations.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] != 'T')
            {
                continue;
            }

            var skip = ParseTextBound(line, offsets, spans, ref discontinuous);
            if (skip is not null)
            {
                return skip;
            }
        }

        var entities = spans.ToArray();
        if (EntitySpans.SortAndFindOverlap(entities))
        {
            return SkipKinds.OverlappingSpan;
        }

        document = new LabeledDocument(text, -1, Entities: entities);
        return null;
    }

    /// <summary><c>T1&lt;TAB&gt;LABEL start end[;start end]…&lt;TAB&gt;text</c>; the mention text is not checked against the offsets.</summary>
    private string? ParseTextBound(string line, CodePointOffsets offsets, List<EntitySpan> spans, ref int discontinuous)
    {
        var columns = line.Split('\t');
        if (columns.Length < 2)
        {
            return SkipKinds.MalformedAnnotation;
        }

        var typeAndSpans = columns[1];
        var space = typeAndSpans.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return SkipKinds.MalformedAnnotation;
        }

        long start = long.MaxValue, end = long.MinValue;
        var fragments = typeAndSpans[(space + 1)..].Split(';');
        foreach (var fragment in fragments)
        {
            var bounds = fragment.Trim().Split(' ');
            if (bounds.Length != 2
                || !long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var fragmentStart)
                || !long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out var fragmentEnd))
            {
                return SkipKinds.MalformedAnnotation;
            }

            if (!offsets.TryToUtf16(fragmentStart, fragmentEnd, out _, out _))
            {
                return SkipKinds.OffsetOutOfRange;
            }

            start = Math.Min(start, fragmentStart);
            end = Math.Max(end, fragmentEnd);
        }

        if (!_labels.TryGetValue(typeAndSpans[..space], out var label))
        {
            return SkipKinds.UnknownLabel;
        }

        offsets.TryToUtf16(start, end, out var from, out var to);
        spans.Add(new EntitySpan(from, to, label));
        if (fragments.Length > 1)
        {
            discontinuous++;
        }

        return null;
    }
}

/// <summary>Adjustments to gold annotations of documents that were kept, counted per annotation, apart from skipped documents.</summary>
public static class AnnotationNotes
{
    /// <summary>A brat entity in several fragments, kept as the span covering them all.</summary>
    public const string DiscontinuousSpan = "discontinuous_span";
}
