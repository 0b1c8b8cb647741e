using System.Text;
using Partages.Evaluation.Quality;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Quality;

/// <summary>
/// The QC profile of a CSV dataset (RFC 4180, a header naming <c>text</c> and, if present, <c>label</c> and the
/// annotators' columns): every record counted, one that does not split counted as malformed.
/// </summary>
internal static class CsvQc
{
    public const string MalformedRecord = "malformed_record";

    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static DatasetQcResult Profile(DatasetDefinition dataset, IReadOnlyList<string> annotatorColumns, Partages.Evaluation.Tasks.DatasetQc.DatasetQcCounter? counter, PieceProfile? pieces, CancellationToken cancellationToken)
    {
        using var stream = DatasetFile.OpenRead(dataset);
        var records = new Utf8LineReader(stream, new EvaluationEngineOptions().MaxLineBytes, quoteAware: true);
        var fields = new List<string>();
        var field = new StringBuilder();
        if (!records.ReadLine(out var headerBytes, out _) || !CsvDocumentReader.TrySplit(Lenient.GetString(headerBytes), fields, field))
        {
            throw new InvalidDataException($"{dataset.Path} has no readable CSV header.");
        }

        var header = fields.ToList();
        var text = header.IndexOf("text");
        var missing = annotatorColumns.Where(column => !header.Contains(column)).Prepend(text < 0 ? "text" : null).OfType<string>().ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{dataset.Path}: the CSV header has no column {string.Join(", ", missing.Select(m => $"'{m}'"))} (it has: {string.Join(", ", header)}).");
        }

        var label = header.IndexOf("label");
        var annotators = annotatorColumns.Select(column => header.IndexOf(column)).ToArray();
        var profile = new DatasetProfile { Counter = counter, Pieces = pieces };
        var agreement = annotatorColumns.Count == 0 ? null : new AgreementProfile(annotatorColumns);
        while (records.ReadLine(out var record, out var tooLong))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (tooLong)
            {
                profile.AddUnreadable(DatasetQc.LineTooLong);
                continue;
            }

            if (!JsonlDocumentReader.HasContent(record))
            {
                continue;
            }

            var findings = System.Text.Unicode.Utf8.IsValid(record) ? new List<string>() : [QcFindings.InvalidUtf8];
            if (!CsvDocumentReader.TrySplit(Lenient.GetString(record), fields, field) || fields.Count != header.Count)
            {
                profile.AddUnreadable(MalformedRecord);
                continue;
            }

            var labels = label >= 0 && fields[label].Length > 0 ? new[] { fields[label] } : [];
            var byAnnotator = annotators.Select(column => fields[column].Length > 0 ? fields[column] : null).ToArray();
            profile.Add(new QcDocument(fields[text], labels, []) { ReaderFindings = findings, LabelsByAnnotator = byAnnotator });
            agreement?.Add(byAnnotator);
        }

        return new DatasetQcResult(profile, agreement?.Compute());
    }
}
