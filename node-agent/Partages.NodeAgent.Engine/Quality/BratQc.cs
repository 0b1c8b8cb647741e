using System.Globalization;
using System.Text;
using Partages.Evaluation.Quality;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Quality;

/// <summary>
/// The QC profile of a brat folder: each <c>.txt</c> with the text-bound (<c>T</c>) lines of its <c>.ann</c>,
/// every problem counted by kind (a text without <c>.ann</c>, an <c>.ann</c> without text, a line that does not
/// parse), nothing skipped silently. Offsets count code points, as brat writes them.
/// </summary>
internal static class BratQc
{
    public const string MissingAnnotations = "missing_annotations";
    public const string OrphanAnnotations = "orphan_annotations";
    public const string MalformedAnnotation = "malformed_annotation";

    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static DatasetProfile Profile(DirectoryInfo folder, Partages.Evaluation.Tasks.DatasetQc.DatasetQcCounter? counter, CancellationToken cancellationToken)
    {
        var profile = new DatasetProfile { Counter = counter };
        foreach (var file in BratDocumentReader.EnumerateDocuments(folder))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (BratDocumentReader.IsOrphan(file))
            {
                profile.AddUnreadable(OrphanAnnotations);
                continue;
            }

            var bytes = File.ReadAllBytes(file.FullName);
            var findings = new List<string>();
            var hasBom = bytes.AsSpan().StartsWith("\uFEFF"u8);
            if (hasBom)
            {
                findings.Add(QcFindings.Bom);
            }

            if (!System.Text.Unicode.Utf8.IsValid(bytes))
            {
                findings.Add(QcFindings.InvalidUtf8);
            }

            var text = Lenient.GetString(bytes.AsSpan(hasBom ? 3 : 0));
            var annotations = Path.ChangeExtension(file.FullName, ".ann");
            var entities = new List<QcEntity>();
            if (!File.Exists(annotations))
            {
                findings.Add(MissingAnnotations);
            }
            else if (!TryReadEntities(Lenient.GetString(File.ReadAllBytes(annotations)), entities))
            {
                findings.Add(MalformedAnnotation);
            }

            profile.Add(new QcDocument(text, [], entities) { ReaderFindings = findings });
        }

        return profile;
    }

    /// <summary><c>T1&lt;TAB&gt;LABEL start end[;start end]…&lt;TAB&gt;mention</c>; false when a <c>T</c> line does not parse.</summary>
    private static bool TryReadEntities(string annotations, List<QcEntity> entities)
    {
        var wellFormed = true;
        foreach (var line in annotations.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith('T')))
        {
            var columns = line.Split('\t');
            var typeAndOffsets = columns.Length >= 2 ? columns[1].Split(' ', 2) : [];
            var fragments = typeAndOffsets.Length == 2 ? typeAndOffsets[1].Split(';') : [];
            var offsets = fragments.Select(fragment => fragment.Split(' ')).ToList();
            if (offsets.Count == 0 || offsets.Any(pair => pair.Length != 2 || !IsOffset(pair[0]) || !IsOffset(pair[1])))
            {
                wellFormed = false;
                continue;
            }

            entities.Add(new QcEntity(Offset(offsets[0][0]), Offset(offsets[^1][1]), typeAndOffsets[0], offsets.Count));
        }

        return wellFormed;
    }

    private static bool IsOffset(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static int Offset(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
