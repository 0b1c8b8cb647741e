using System.Globalization;
using System.Text;
using Partages.Evaluation.Quality;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Quality;

/// <summary>
/// The QC profile of a brat folder: each <c>.txt</c> with the text-bound (<c>T</c>) lines of its <c>.ann</c>,
/// every problem counted by kind (a text without <c>.ann</c>, an <c>.ann</c> without text, a line that does not
/// parse), nothing skipped silently. Offsets count code points, as brat writes them. With annotators, each other
/// annotator's entities come from the same relative path in that annotator's folder (node.yaml's <c>annotators</c>),
/// the dataset's own folder being the annotator <see cref="AnnotatorFolder.Own"/>; a text that annotator's folder has
/// no <c>.ann</c> for is counted (<see cref="AnnotatorMissing"/>) and compared as annotated with no entity.
/// </summary>
internal static class BratQc
{
    public const string MissingAnnotations = "missing_annotations";
    public const string OrphanAnnotations = "orphan_annotations";
    public const string MalformedAnnotation = "malformed_annotation";

    /// <summary>Another annotator's folder has no (or a malformed) <c>.ann</c> for this text (local kind; released under <c>other_finding</c>).</summary>
    public const string AnnotatorMissing = "annotator_missing_annotations";

    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <exception cref="InvalidDataException">An annotator is neither the dataset's own folder nor one node.yaml names, or that folder does not exist.</exception>
    public static DatasetQcResult Profile(
        DatasetDefinition dataset,
        IReadOnlyList<string> annotators,
        Partages.Evaluation.Tasks.DatasetQc.DatasetQcCounter? counter,
        PieceProfile? pieces,
        CancellationToken cancellationToken)
    {
        var folder = DatasetFile.BratFolder(dataset);
        var others = Folders(dataset, annotators);
        var profile = new DatasetProfile { Counter = counter, Pieces = pieces };
        var agreement = annotators.Count == 0 ? null : new EntityAgreementProfile(annotators);
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
            var entities = new List<QcEntity>();
            switch (ReadAnnotations(Path.ChangeExtension(file.FullName, ".ann"), entities))
            {
                case false:
                    findings.Add(MalformedAnnotation);
                    break;
                case null:
                    findings.Add(MissingAnnotations);
                    break;
            }

            var byAnnotator = new IReadOnlyList<QcEntity>?[annotators.Count];
            for (var a = 0; a < annotators.Count; a++)
            {
                if (others[a] is not { } other)
                {
                    byAnnotator[a] = entities;
                    continue;
                }

                var theirs = new List<QcEntity>();
                var relative = Path.ChangeExtension(Path.GetRelativePath(folder.FullName, file.FullName), ".ann");
                var read = ReadAnnotations(Path.Combine(other, relative), theirs);
                if (read != true && !findings.Contains(AnnotatorMissing))
                {
                    findings.Add(AnnotatorMissing);
                }

                // No .ann: this annotator gave nothing for the text (compared as no entity, but not a second annotation).
                byAnnotator[a] = read is null ? null : theirs;
            }

            var document = new QcDocument(text, [], entities) { ReaderFindings = findings, EntitiesByAnnotator = byAnnotator };
            profile.Add(document);
            agreement?.Add(byAnnotator);
        }

        return new DatasetQcResult(profile, null) { EntityAgreement = agreement?.Compute() };
    }

    /// <summary>Each annotator's folder: null for the dataset's own, else the one node.yaml names.</summary>
    private static string?[] Folders(DatasetDefinition dataset, IReadOnlyList<string> annotators)
    {
        var folders = new string?[annotators.Count];
        for (var a = 0; a < annotators.Count; a++)
        {
            if (annotators[a] == AnnotatorFolder.Own)
            {
                continue;
            }

            var named = dataset.AnnotatorFolders.FirstOrDefault(f => f.Name == annotators[a])
                ?? throw new InvalidDataException(
                    $"annotator '{annotators[a]}' is neither '{AnnotatorFolder.Own}' (the brat folder itself) nor an annotator folder of dataset '{dataset.Name}' in node.yaml"
                    + $" (it names: {(dataset.AnnotatorFolders.Count == 0 ? "none" : string.Join(", ", dataset.AnnotatorFolders.Select(f => f.Name)))})");
            if (!Directory.Exists(named.Path))
            {
                throw new InvalidDataException($"annotator '{named.Name}' of dataset '{dataset.Name}': its brat folder {named.Path} does not exist");
            }

            folders[a] = named.Path;
        }

        return folders;
    }

    /// <summary>The entities of an <c>.ann</c> file: true when read, false when a line is malformed, null when the file is absent.</summary>
    private static bool? ReadAnnotations(string path, List<QcEntity> entities) =>
        File.Exists(path) ? TryReadEntities(Lenient.GetString(File.ReadAllBytes(path)), entities) : null;

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
