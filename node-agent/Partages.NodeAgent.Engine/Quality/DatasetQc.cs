using System.Text;
using System.Text.Json;
using Partages.Evaluation.Quality;
using Partages.Evaluation.Tasks.DatasetQc;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Quality;

/// <summary>
/// Profiles a dataset for the hospital's own quality control (<c>Partages.NodeAgent qc</c>): every line read,
/// none skipped, each problem counted under its kind, nothing sent anywhere. Reads the raw bytes so that what a
/// text decoder would hide (a byte order mark, invalid UTF-8) is seen, and takes gold annotations as the file
/// writes them, before any spec says which labels exist.
/// </summary>
public static class DatasetQc
{
    /// <summary>A line that is not one JSON object with a string <c>text</c>: counted, its content never shown.</summary>
    public const string MalformedLine = "malformed_line";

    /// <summary>A line over the byte limit (<see cref="EvaluationEngineOptions.MaxLineBytes"/>), counted like the engine counts it.</summary>
    public const string LineTooLong = "line_too_long";

    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>The profile of a dataset, and the agreement between the annotators whose label fields are named.</summary>
    /// <param name="annotatorFields">Two or more fields (JSONL) or columns (CSV) each holding one annotator's label; none for no agreement.</param>
    /// <exception cref="InvalidDataException">An annotator the dataset cannot provide (a CSV column, a brat annotator folder node.yaml does not name).</exception>
    /// <param name="counter">A federated QC's counter, fed the same reports (<see cref="DatasetProfile.Counter"/>); null locally.</param>
    /// <param name="pieces">A bundle's tokenizer (<see cref="BundlePieces.Open"/>), for lengths in pieces and the unknown-piece rate; null: no bundle.</param>
    public static DatasetQcResult Profile(
        DatasetDefinition dataset, IReadOnlyList<string> annotatorFields, CancellationToken cancellationToken, DatasetQcCounter? counter = null, PieceProfile? pieces = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(annotatorFields);
        if (DatasetFile.Is(dataset, DatasetFormats.Brat))
        {
            // Entity agreement between brat folders: the dataset's own ("entities") and those node.yaml names per annotator.
            return BratQc.Profile(dataset, annotatorFields, counter, pieces, cancellationToken);
        }

        if (DatasetFile.Is(dataset, DatasetFormats.Csv))
        {
            return CsvQc.Profile(dataset, annotatorFields, counter, pieces, cancellationToken);
        }

        using var stream = DatasetFile.OpenRead(dataset);
        var startsWithBom = StartsWithBom(stream);
        var reader = new Utf8LineReader(stream, new EvaluationEngineOptions().MaxLineBytes);
        var profile = new DatasetProfile { Counter = counter, Pieces = pieces };
        var agreement = annotatorFields.Count == 0 ? null : new AgreementProfile(annotatorFields);
        EntityAgreementProfile? entityAgreement = null;
        var first = true;
        while (reader.ReadLine(out var line, out var tooLong))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var findings = new List<string>();
            if (first && startsWithBom)
            {
                findings.Add(QcFindings.Bom);
            }

            first = false;
            if (tooLong)
            {
                profile.AddUnreadable(LineTooLong);
                continue;
            }

            if (!JsonlDocumentReader.HasContent(line))
            {
                continue;
            }

            if (!System.Text.Unicode.Utf8.IsValid(line))
            {
                findings.Add(QcFindings.InvalidUtf8);
            }

            var document = Parse(Lenient.GetString(line), findings, annotatorFields);
            if (document is null)
            {
                profile.AddUnreadable(MalformedLine);
                continue;
            }

            profile.Add(document);
            if (document.EntitiesByAnnotator.Any(entities => entities is not null))
            {
                entityAgreement ??= new EntityAgreementProfile(annotatorFields);
                entityAgreement.Add(document.EntitiesByAnnotator);
            }
            else
            {
                agreement?.Add(document.LabelsByAnnotator);
            }
        }

        return new DatasetQcResult(profile, agreement?.Compute()) { EntityAgreement = entityAgreement?.Compute() };
    }

    private static bool StartsWithBom(Stream stream)
    {
        Span<byte> head = stackalloc byte[3];
        var read = stream.ReadAtLeast(head, 3, throwOnEndOfStream: false);
        stream.Position = 0;
        return read == 3 && head.SequenceEqual("\uFEFF"u8);
    }

    private static QcDocument? Parse(string json, List<string> findings, IReadOnlyList<string> annotatorFields)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var labels = new List<string>();
            if (root.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String)
            {
                labels.Add(label.GetString()!);
            }

            if (root.TryGetProperty("labels", out var many) && many.ValueKind == JsonValueKind.Array)
            {
                labels.AddRange(many.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString()!));
            }

            // An annotator's field holds a document label (a string) or entities (an array, as "entities" is written).
            var byAnnotator = annotatorFields
                .Select(field => root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null)
                .ToArray();
            var entitiesByAnnotator = annotatorFields
                .Select(field => root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Array ? (IReadOnlyList<QcEntity>)Entities(root, field) : null)
                .ToArray();
            return new QcDocument(text.GetString()!, labels, Entities(root, "entities"))
            {
                ReaderFindings = findings,
                LabelsByAnnotator = byAnnotator,
                EntitiesByAnnotator = entitiesByAnnotator,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<QcEntity> Entities(JsonElement root, string field)
    {
        var entities = new List<QcEntity>();
        if (!root.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return entities;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object
                && item.TryGetProperty("start", out var start) && start.TryGetInt32(out var from)
                && item.TryGetProperty("end", out var end) && end.TryGetInt32(out var to))
            {
                var type = item.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String ? label.GetString()! : "";
                entities.Add(new QcEntity(from, to, type));
            }
            else
            {
                // A span the profile cannot place is out of range by construction: -1 says so without guessing.
                entities.Add(new QcEntity(-1, -1, ""));
            }
        }

        return entities;
    }
}

/// <summary>What <c>qc</c> found: the dataset's profile, and the annotators' agreement when asked for.</summary>
public sealed record DatasetQcResult(DatasetProfile Profile, AgreementSummary? Agreement)
{
    /// <summary>Pairwise entity agreement, when the annotators' fields hold entities; null otherwise.</summary>
    public IReadOnlyList<QcEntityPairCounts>? EntityAgreement { get; init; }
}
