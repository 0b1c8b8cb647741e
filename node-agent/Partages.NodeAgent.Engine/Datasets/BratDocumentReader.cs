using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Reads a brat standoff folder for entity recognition: each <c>name.txt</c> (UTF-8) is a document and the
/// <c>name.ann</c> beside it its gold entities, from the text-bound lines <c>T1&lt;TAB&gt;LABEL start end&lt;TAB&gt;text</c>.
/// Offsets count Unicode code points, as brat (Python) does, and are converted to .NET string indices. Other
/// annotation lines (relations, events, attributes, notes, comments) are ignored. Files are read in ordinal order of
/// their path relative to the folder, sub-folders included; an <c>.ann</c> without its <c>.txt</c> comes after them,
/// as a document of its own set aside under <see cref="SkipKinds.OrphanAnnotations"/>.
/// <para>
/// Each span's mention text (the third column) must equal the text at its offsets (a discontinuous span's fragments
/// joined by one space, as brat writes them); otherwise the document is <see cref="SkipKinds.MentionMismatch"/>. A
/// text starting with a byte order mark keeps it as character 0 when the mentions match that way (brat's own
/// convention: brat and EDS-NLP read the file with the mark, so offsets written by brat count it). When they only
/// match with the mark removed (it was added after annotation, by an editor saving "UTF-8 with BOM"), the mark is
/// dropped and the document kept under the note <see cref="AnnotationNotes.BomNotCounted"/>: never a silent shift.
/// </para>
/// <para>
/// Discontinuous spans (<c>LABEL 0 5;10 15</c>) are kept as the <b>covering span</b> (<c>0 15</c>) and counted
/// per span under <see cref="AnnotationNotes.DiscontinuousSpan"/> in <see cref="Notes"/>, not in
/// <see cref="Skipped"/>: the document is still evaluated, so counting it as skipped would break
/// <c>documents_read = documents_evaluated + skipped</c>. Covering rather than splitting keeps one gold entity per
/// annotated mention, which is what a flat tagger can at best predict.
/// </para>
/// Any problem with a document's gold sets the whole document aside: scoring a model against partial gold would count
/// its correct entities as false positives. A document with several problems is counted <b>once</b> in
/// <see cref="Skipped"/>, under the first problem found, so it moves the released skip counts by one unit whatever it
/// holds (the sensitivity docs/release-gate.md derives); every problem it has is counted in <see cref="Problems"/>,
/// which stays on the node.
/// </summary>
internal sealed class BratDocumentReader : IDocumentReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly DirectoryInfo _folder;
    private readonly IEnumerator<FileInfo> _files;
    private readonly Dictionary<string, int> _labels;
    private readonly long _maxFileBytes;

    private readonly QualifierResolver _qualifiers;

    public BratDocumentReader(DirectoryInfo folder, IReadOnlyList<string> labels, long maxFileBytes, QualifierResolver? qualifiers = null)
    {
        _qualifiers = qualifiers ?? QualifierResolver.None;
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(labels);
        _folder = folder;
        _files = EnumerateDocuments(folder).GetEnumerator();
        _labels = labels.Select((label, index) => (label, index)).ToDictionary(p => p.label, p => p.index, StringComparer.Ordinal);
        _maxFileBytes = maxFileBytes;
    }

    public long DocumentsRead { get; private set; }

    public SkipTally Skipped { get; } = new();

    /// <summary>Adjustments made to documents that were kept (<see cref="AnnotationNotes"/>). Local: never released.</summary>
    public SkipTally Notes { get; } = new();

    /// <summary>Every problem of every set-aside document, each kind once per document. Local: never released.</summary>
    public SkipTally Problems { get; } = new();

    /// <summary>The <c>.txt</c> files of a brat folder, in ordinal order of their relative path: the documents, whatever their <c>.ann</c>.</summary>
    public static IEnumerable<FileInfo> EnumerateTexts(DirectoryInfo folder) => Enumerate(folder, "*.txt");

    /// <summary>
    /// The documents of a brat folder: its <see cref="EnumerateTexts">texts</see>, then the <c>.ann</c> files without a
    /// <c>.txt</c> (last, so adding one never renumbers the others).
    /// </summary>
    public static IEnumerable<FileInfo> EnumerateDocuments(DirectoryInfo folder) =>
        EnumerateTexts(folder).Concat(Enumerate(folder, "*.ann").Where(IsOrphan));

    /// <summary>An <c>.ann</c> file with no <c>.txt</c> beside it.</summary>
    public static bool IsOrphan(FileInfo file) =>
        file.Extension == ".ann" && !File.Exists(Path.ChangeExtension(file.FullName, ".txt"));

    private static IEnumerable<FileInfo> Enumerate(DirectoryInfo folder, string pattern) =>
        folder.EnumerateFiles(pattern, new EnumerationOptions { RecurseSubdirectories = true, MatchCasing = MatchCasing.CaseSensitive, AttributesToSkip = FileAttributes.Hidden })
            .OrderBy(f => Path.GetRelativePath(folder.FullName, f.FullName), StringComparer.Ordinal);

    public bool TryRead(out LabeledDocument document)
    {
        while (_files.MoveNext())
        {
            DocumentsRead++;
            var problems = new List<string>();
            var notes = new List<string>();
            if (IsOrphan(_files.Current))
            {
                problems.Add(SkipKinds.OrphanAnnotations);
                document = default;
            }
            else
            {
                document = Classify(_files.Current, problems, notes);
            }

            if (problems.Count == 0)
            {
                notes.ForEach(Notes.Add);
                return true;
            }

            Skipped.Add(problems[0]);
            problems.Distinct(StringComparer.Ordinal).ToList().ForEach(Problems.Add);
        }

        document = default;
        return false;
    }

    private LabeledDocument Classify(FileInfo textFile, List<string> problems, List<string> notes)
    {
        var annFile = new FileInfo(Path.ChangeExtension(textFile.FullName, ".ann"));
        if (!annFile.Exists)
        {
            problems.Add(SkipKinds.MissingAnnotations);
            return default;
        }

        if (textFile.Length > _maxFileBytes || annFile.Length > _maxFileBytes)
        {
            problems.Add(SkipKinds.FileTooLong);
            return default;
        }

        string text, annotations;
        try
        {
            text = StrictUtf8.GetString(File.ReadAllBytes(textFile.FullName));
            annotations = StrictUtf8.GetString(File.ReadAllBytes(annFile.FullName));
        }
        catch (DecoderFallbackException)
        {
            problems.Add(SkipKinds.InvalidUtf8);
            return default;
        }

        if (string.IsNullOrWhiteSpace(text.TrimStart('\uFEFF')))
        {
            problems.Add(SkipKinds.EmptyText);
            return default;
        }

        var lines = annotations.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && l[0] is 'T' or 'A' or 'N').ToArray();
        var parsed = Parse(text, lines);
        if (text[0] == '\uFEFF' && parsed.Problems.Count > 0 && parsed.Problems.All(p => p == SkipKinds.MentionMismatch))
        {
            // brat's convention failed on the mentions alone: try the offsets as written by a tool that did not count the mark.
            var withoutMark = Parse(text[1..], lines);
            if (withoutMark.Problems.Count == 0)
            {
                notes.Add(AnnotationNotes.BomNotCounted);
                (text, parsed) = (text[1..], withoutMark);
            }
        }

        problems.AddRange(parsed.Problems);
        if (problems.Count > 0)
        {
            return default;
        }

        notes.AddRange(Enumerable.Repeat(AnnotationNotes.DiscontinuousSpan, parsed.Discontinuous));
        notes.AddRange(parsed.Notes);
        // The id (local mode's predictions file only): the document's path in the folder, without ".txt", '/'-separated.
        var id = Path.ChangeExtension(Path.GetRelativePath(_folder.FullName, textFile.FullName), null).Replace(Path.DirectorySeparatorChar, '/');
        return new LabeledDocument(text, -1, Entities: parsed.Spans) { Id = id };
    }

    /// <summary>The spans of the <c>T</c> lines against <paramref name="text"/>, and every problem met (each line is read, whatever the others hold).</summary>
    private Parsed Parse(string text, string[] lines)
    {
        var offsets = new CodePointOffsets(text);
        var result = new Parsed();
        var spans = new List<EntitySpan>();
        var ids = new Dictionary<string, RawQualifiers>(StringComparer.Ordinal);
        var raws = new List<RawQualifiers>();
        var discontinuous = 0;
        var problems = new List<string>();
        foreach (var line in lines.Where(l => l[0] == 'T'))
        {
            var problem = ParseTextBound(line, text, offsets, spans, (ids, raws), ref discontinuous);
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        // A and N lines after every T line: brat lets them refer to a T line written later.
        BratQualifierLines.Read(lines, ids, problems);
        for (var i = 0; i < spans.Count; i++)
        {
            spans[i] = spans[i] with { Qualifiers = _qualifiers.Resolve(raws[i], problems, result.Notes) };
        }

        result.Problems.AddRange(problems.Distinct(StringComparer.Ordinal));
        result.Spans = [.. spans];
        result.Discontinuous = discontinuous;
        if (EntitySpans.SortAndFindOverlap(result.Spans))
        {
            result.Problems.Add(SkipKinds.OverlappingSpan);
        }

        return result;
    }

    /// <summary><c>T1&lt;TAB&gt;LABEL start end[;start end]…&lt;TAB&gt;text</c>; null when the line is usable gold.</summary>
    private string? ParseTextBound(string line, string text, CodePointOffsets offsets, List<EntitySpan> spans, (Dictionary<string, RawQualifiers> ById, List<RawQualifiers> InOrder) ids, ref int discontinuous)
    {
        var pieces = new List<(int Start, int End)>();
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

        int start = int.MaxValue, end = int.MinValue;
        var fragments = typeAndSpans[(space + 1)..].Split(';');
        var mention = new StringBuilder();
        foreach (var fragment in fragments)
        {
            var bounds = fragment.Trim().Split(' ');
            if (bounds.Length != 2
                || !long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var fragmentStart)
                || !long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out var fragmentEnd))
            {
                return SkipKinds.MalformedAnnotation;
            }

            if (!offsets.TryToUtf16(fragmentStart, fragmentEnd, out var from, out var to))
            {
                return SkipKinds.OffsetOutOfRange;
            }

            mention.Append(mention.Length > 0 ? " " : string.Empty).Append(text.AsSpan(from, to - from));
            pieces.Add((from, to));
            start = Math.Min(start, from);
            end = Math.Max(end, to);
        }

        if (!_labels.TryGetValue(typeAndSpans[..space], out var label))
        {
            return SkipKinds.UnknownLabel;
        }

        // A line without the mention column cannot be checked; brat always writes it. Line breaks inside a mention
        // are compared as spaces, since tools that keep an .ann line on one line write them so.
        if (columns.Length >= 3 && !string.Equals(Flatten(mention.ToString()), Flatten(string.Join('\t', columns[2..])), StringComparison.Ordinal))
        {
            return SkipKinds.MentionMismatch;
        }

        if (ids.ById.ContainsKey(columns[0]))
        {
            return SkipKinds.MalformedAnnotation;
        }

        spans.Add(new EntitySpan(start, end, label));
        var raw = new RawQualifiers { Fragments = fragments.Length > 1 ? [.. pieces.OrderBy(p => p.Start)] : null };
        ids.ById[columns[0]] = raw;
        ids.InOrder.Add(raw);
        if (fragments.Length > 1)
        {
            discontinuous++;
        }

        return null;
    }

    private static string Flatten(string mention) => mention.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');

    private sealed class Parsed
    {
        public List<string> Problems { get; } = [];

        public EntitySpan[] Spans { get; set; } = [];

        public int Discontinuous { get; set; }

        /// <summary>Attributes and codes not evaluated (<see cref="AnnotationNotes"/>).</summary>
        public List<string> Notes { get; } = [];
    }
}

/// <summary>Adjustments to gold annotations of documents that were kept, counted per annotation, apart from skipped documents.</summary>
public static class AnnotationNotes
{
    /// <summary>A brat entity in several fragments, kept as the span covering them all.</summary>
    public const string DiscontinuousSpan = "discontinuous_span";

    /// <summary>
    /// An attribute (brat <c>A</c> line, JSONL <c>attributes</c>) the spec does not evaluate or the bundle does not
    /// declare: kept in the dataset, not counted, noted per attribute.
    /// </summary>
    public const string AttributeNotEvaluated = "attribute_not_evaluated";

    /// <summary>A code (brat <c>N</c> line, JSONL <c>code</c>) of another system than the bundle's, or while the spec does not ask normalisation: noted per code.</summary>
    public const string NormalisationNotEvaluated = "normalisation_not_evaluated";

    /// <summary>
    /// A brat <c>.txt</c> starts with a byte order mark its <c>.ann</c> offsets do not count (the mention texts match
    /// only without it): the mark is dropped, once per document.
    /// </summary>
    public const string BomNotCounted = "bom_not_counted";
}
