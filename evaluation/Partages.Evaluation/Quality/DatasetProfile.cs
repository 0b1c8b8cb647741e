using System.Security.Cryptography;
using System.Text;

namespace Partages.Evaluation.Quality;

/// <summary>
/// What a hospital's dataset looks like, built report by report in one pass with memory bounded by the number of
/// reports (a hash and a MinHash signature each), never the texts: lengths in characters (code points) and words
/// on fixed bins, label and entity-type distributions, and findings by kind (encoding, empty, duplicates,
/// annotations). The full profile is for the hospital's own eyes; what a federated QC task may release is the
/// subset with bounded per-report sensitivity (docs/data-quality.md).
/// </summary>
public sealed class DatasetProfile
{
    private readonly HashSet<string> _textHashes = new(StringComparer.Ordinal);
    private readonly NearDuplicates _nearDuplicates = new();
    private readonly SortedDictionary<string, long> _labels = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _entityTypes = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _findings = new(StringComparer.Ordinal);

    public long Documents { get; private set; }

    /// <summary>
    /// The federated QC's counter, fed the same reports and findings (the releasable subset: no near-duplicates),
    /// so the local report and a <c>dataset_qc</c> release never count a report differently; null locally.
    /// </summary>
    public Tasks.DatasetQc.DatasetQcCounter? Counter { get; init; }

    /// <summary>Lengths in a bundle's pieces and its unknown-piece rate, when a bundle was given; null otherwise.</summary>
    public PieceProfile? Pieces { get; init; }

    public LengthHistogram Characters { get; } = new();

    public LengthHistogram Words { get; } = new();

    /// <summary>Documents per gold label (a multi-label document counts once under each of its labels).</summary>
    public IReadOnlyDictionary<string, long> Labels => _labels;

    /// <summary>Gold entities per type.</summary>
    public IReadOnlyDictionary<string, long> EntityTypes => _entityTypes;

    /// <summary>Reports per finding kind (<see cref="QcFindings"/>); a report with several problems counts under each.</summary>
    public IReadOnlyDictionary<string, long> Findings => _findings;

    /// <summary>Counts a document the reader could not read (a malformed line), under its kind.</summary>
    public void AddUnreadable(string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        Documents++;
        Count(_findings, kind);
        Counter?.AddUnreadable(kind);
    }

    public void Add(QcDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Documents++;
        var codePoints = document.Text.EnumerateRunes().Count();
        Characters.Add(codePoints);
        var words = document.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        Words.Add(words);
        var findings = document.ReaderFindings.Concat(TextFindings(document.Text)).Concat(AnnotationFindings(document, codePoints)).Distinct().ToList();
        foreach (var finding in findings)
        {
            Count(_findings, finding);
        }

        foreach (var label in document.Labels.Distinct(StringComparer.Ordinal))
        {
            Count(_labels, label);
        }

        foreach (var entity in document.Entities.Where(entity => entity.Label.Length > 0))
        {
            Count(_entityTypes, entity.Label);
        }

        if (!string.IsNullOrWhiteSpace(document.Text))
        {
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(document.Text)));
            if (!_textHashes.Add(hash))
            {
                Count(_findings, QcFindings.ExactDuplicate);
                findings.Add(QcFindings.ExactDuplicate);
            }
            else if (_nearDuplicates.Add(document.Text))
            {
                // Local only: never handed to the counter (unbounded per-report sensitivity, ERRATA 17).
                Count(_findings, QcFindings.NearDuplicate);
            }
        }

        var pieces = Pieces?.Add(document.Text);
        Counter?.Add(document, codePoints, words, findings, pieces);
    }

    private static IEnumerable<string> TextFindings(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield return QcFindings.Empty;
        }

        if (text.Contains("\r\n", StringComparison.Ordinal))
        {
            yield return QcFindings.CrLf;
        }

        bool combining = false, precomposed = false, control = false;
        foreach (var c in text)
        {
            combining |= c is >= '\u0300' and <= '\u036F';
            precomposed |= c is >= '\u00C0' and <= '\u017F';
            control |= (char.IsControl(c) && c is not '\t' and not '\n' and not '\r') || c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E');
        }

        if (combining)
        {
            yield return QcFindings.Nfd;
        }

        if (combining && precomposed)
        {
            yield return QcFindings.NfcAndNfdInOneReport;
        }

        if (control)
        {
            yield return QcFindings.ControlCharacters;
        }
    }

    private static IEnumerable<string> AnnotationFindings(QcDocument document, int codePoints)
    {
        if (document.Labels.Count == 0 && document.Entities.Count == 0)
        {
            yield return QcFindings.NoGold;
        }

        var spans = document.Entities.OrderBy(entity => entity.Start).ThenBy(entity => entity.End).ToList();
        if (spans.Any(entity => entity.Start < 0 || entity.End > codePoints || entity.End <= entity.Start))
        {
            yield return QcFindings.EntityOutOfRange;
        }

        if (spans.Zip(spans.Skip(1)).Any(pair => pair.Second.Start < pair.First.End))
        {
            yield return QcFindings.OverlappingEntities;
        }

        if (spans.Any(entity => entity.Fragments > 1))
        {
            yield return QcFindings.DiscontinuousEntity;
        }
    }

    private static void Count(SortedDictionary<string, long> counts, string key) =>
        counts[key] = counts.TryGetValue(key, out var count) ? count + 1 : 1;
}
