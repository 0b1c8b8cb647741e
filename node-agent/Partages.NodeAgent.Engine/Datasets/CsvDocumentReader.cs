using System.Text;
using System.Text.Unicode;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Streams labelled documents out of a CSV dataset (RFC 4180, UTF-8), one record in memory at a time. The first
/// record is a header naming at least the columns <c>id</c>, <c>text</c> and <c>label</c>, in any order (other
/// columns are ignored); without one the dataset is refused, since guessing columns could score the wrong field.
/// Fields may be quoted, and a quoted field may hold commas, doubled quotes (<c>""</c> for one <c>"</c>) and line
/// breaks. A record that breaks these rules, or has another number of fields than the header, is counted as
/// <c>malformed_csv</c> and the read goes on at the next record; a quote left open swallows the rest of the file
/// into one malformed record, as any CSV reader would. Blank lines are layout. Single-label only: the column is one label.
/// </summary>
internal sealed class CsvDocumentReader : IDocumentReader
{
    private readonly Utf8LineReader _records;
    private readonly Dictionary<string, int> _labels;
    private readonly SeenIds _seenIds = new();
    private readonly List<string> _fields = [];
    private readonly StringBuilder _field = new();
    private CsvHeader? _header;

    public CsvDocumentReader(Stream stream, IReadOnlyList<string> labels, int maxRecordBytes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _records = new Utf8LineReader(stream, maxRecordBytes, quoteAware: true);
        _labels = labels.Select((label, index) => (label, index)).ToDictionary(p => p.label, p => p.index, StringComparer.Ordinal);
    }

    public long DocumentsRead { get; private set; }

    public SkipTally Skipped { get; } = new();

    /// <exception cref="EvaluationRefusedException">The file has no usable header.</exception>
    public bool TryRead(out LabeledDocument document)
    {
        var header = _header ??= ReadHeader();
        while (_records.ReadLine(out var record, out var tooLong))
        {
            if (tooLong)
            {
                DocumentsRead++;
                Skipped.Add(SkipKinds.LineTooLong);
                continue;
            }

            if (!JsonlDocumentReader.HasContent(record))
            {
                continue;
            }

            DocumentsRead++;
            var skip = Classify(record, header, out document);
            if (skip is null)
            {
                return true;
            }

            Skipped.Add(skip);
        }

        document = default;
        return false;
    }

    /// <summary>Reads and checks the header, so a dataset without one is refused before the model is loaded.</summary>
    /// <exception cref="EvaluationRefusedException">The file has no usable header.</exception>
    public void SkipHeader() => _header ??= ReadHeader();

    /// <summary>
    /// Splits one record into <paramref name="fields"/>. RFC 4180, with the usual leniency of accepting LF alone as
    /// a line break. False when a quote opens inside an unquoted field, text follows a closing quote, or a quote
    /// is never closed.
    /// </summary>
    internal static bool TrySplit(string record, List<string> fields, StringBuilder field)
    {
        fields.Clear();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < record.Length && record[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= record.Length)
                    {
                        return false;
                    }

                    if (record[i] == '"')
                    {
                        if (i + 1 < record.Length && record[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(record[i++]);
                }

                if (i < record.Length && record[i] != ',')
                {
                    return false;
                }
            }
            else
            {
                var end = record.IndexOf(',', i);
                var raw = record.AsSpan(i, (end < 0 ? record.Length : end) - i);
                if (raw.Contains('"'))
                {
                    return false;
                }

                field.Append(raw);
                i += raw.Length;
            }

            fields.Add(field.ToString());
            if (i >= record.Length)
            {
                return true;
            }

            // At a comma: another field follows, possibly empty at the very end.
            i++;
        }
    }

    private CsvHeader ReadHeader()
    {
        while (_records.ReadLine(out var record, out var tooLong))
        {
            if (!tooLong && !JsonlDocumentReader.HasContent(record))
            {
                continue;
            }

            if (tooLong || !Utf8.IsValid(record) || !TrySplit(Encoding.UTF8.GetString(record), _fields, _field))
            {
                throw new EvaluationRefusedException("the CSV dataset's first record is not a readable header (expected columns id, text, label)");
            }

            var columns = _fields.Select(f => f.Trim()).ToList();
            var duplicate = columns.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 && g.Key is "id" or "text" or "label");
            if (duplicate is not null)
            {
                throw new EvaluationRefusedException($"the CSV dataset's header names column '{duplicate.Key}' twice");
            }

            var missing = new[] { "id", "text", "label" }.Where(c => !columns.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                // Column names are the dataset owner's words, not report text, but they are not quoted back all the same.
                throw new EvaluationRefusedException(
                    $"the CSV dataset's header lacks column(s) {string.Join(", ", missing)} (a header line naming id, text and label is required)");
            }

            return new CsvHeader(columns.Count, columns.IndexOf("id"), columns.IndexOf("text"), columns.IndexOf("label"));
        }

        throw new EvaluationRefusedException("the CSV dataset is empty: it has no header (expected columns id, text, label)");
    }

    private string? Classify(ReadOnlySpan<byte> record, CsvHeader header, out LabeledDocument document)
    {
        document = default;
        if (!Utf8.IsValid(record))
        {
            return SkipKinds.InvalidUtf8;
        }

        if (!TrySplit(Encoding.UTF8.GetString(record), _fields, _field) || _fields.Count != header.Columns)
        {
            return SkipKinds.MalformedCsv;
        }

        var label = _fields[header.Label];
        var text = _fields[header.Text];
        if (label.Length == 0)
        {
            return SkipKinds.MissingLabel;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return SkipKinds.EmptyText;
        }

        if (!_labels.TryGetValue(label, out var labelIndex))
        {
            return SkipKinds.UnknownLabel;
        }

        if (!_seenIds.Add(_fields[header.Id]))
        {
            return SkipKinds.DuplicateId;
        }

        document = new LabeledDocument(text, labelIndex) { Id = _fields[header.Id] };
        return null;
    }

    private sealed record CsvHeader(int Columns, int Id, int Text, int Label);
}
