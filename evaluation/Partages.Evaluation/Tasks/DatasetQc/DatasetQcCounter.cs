using Partages.Evaluation.Metrics.Agreement;
using Partages.Evaluation.Quality;

namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// Counts what a <c>dataset_qc</c> run may release, report by report (fed by <see cref="DatasetProfile"/>, so the
/// local report and the release agree): lengths, the spec's categories, the released finding kinds, and the
/// annotators' agreement. Under differential privacy entities are clipped to <c>maxEntitiesPerReport</c> per report,
/// type and annotator (the first by start), which bounds one report's weight in every entity count.
/// </summary>
public sealed class DatasetQcCounter
{
    private readonly string _annotation;
    private readonly IReadOnlyList<string> _categories;
    private readonly Dictionary<string, int> _index;
    private readonly IReadOnlyList<string> _annotators;
    private readonly int? _clip;
    private readonly long[] _characters = new long[LengthHistogram.Bins];
    private readonly long[] _words = new long[LengthHistogram.Bins];
    private readonly long[] _categoryCounts;
    private readonly SortedDictionary<string, long> _findings = new(StringComparer.Ordinal);
    private readonly CoincidenceMatrix? _coincidences;
    private readonly RaterPairTable? _cohen;
    private readonly FleissTable? _fleiss;
    private readonly long[,,]? _entityPairs;  // pair, type, {first, second, strict, partial}
    private readonly PieceTotals? _pieces;
    private bool _fleissComplete = true;

    /// <param name="annotation"><see cref="DatasetQcAnnotation.Labels"/> or <see cref="DatasetQcAnnotation.Entities"/>.</param>
    /// <param name="labels">The spec's labels (or entity types).</param>
    /// <param name="annotators">The spec's annotator fields: none, or two or more.</param>
    /// <param name="maxEntitiesPerReport">The clip on entities per report and type under differential privacy; null: every entity.</param>
    /// <param name="pieces">The bundle's window and unknown token, when the evaluation was submitted with a bundle; null: no piece figures.</param>
    public DatasetQcCounter(string annotation, IReadOnlyList<string> labels, IReadOnlyList<string> annotators, int? maxEntitiesPerReport, (int Window, string UnknownToken)? pieces = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(annotators);
        if (!DatasetQcAnnotation.All.Contains(annotation))
        {
            throw new ArgumentException($"'{annotation}' is not a QC annotation (valid: {string.Join(", ", DatasetQcAnnotation.All)}).", nameof(annotation));
        }

        if (annotators.Count == 1)
        {
            throw new ArgumentException($"Agreement needs at least two annotators; only '{annotators[0]}' was given.", nameof(annotators));
        }

        (_annotation, _annotators, _clip) = (annotation, annotators, maxEntitiesPerReport);
        _categories = DatasetQcCategories.For(annotation, labels);
        _index = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        _categoryCounts = new long[_categories.Count];
        _pieces = pieces is { } p ? new PieceTotals(p.Window, p.UnknownToken) : null;
        foreach (var kind in DatasetQcFindings.Released)
        {
            _findings[kind] = 0;
        }

        if (annotators.Count < 2)
        {
            return;
        }

        if (annotation == DatasetQcAnnotation.Labels)
        {
            // Agreement categories: the spec's labels and <other>; a document an annotator left unlabelled is a missing value.
            _coincidences = new CoincidenceMatrix(labels.Count + 1);
            _cohen = annotators.Count == 2 ? new RaterPairTable(labels.Count + 1) : null;
            _fleiss = annotators.Count >= 3 ? new FleissTable(labels.Count + 1, annotators.Count) : null;
        }
        else
        {
            _entityPairs = new long[Pairs(annotators.Count), _categories.Count, 4];
        }
    }

    public long Documents { get; private set; }

    /// <summary>Reports that carry at least two of the annotators' gold: none means the dataset has one annotator only, which a QC asked for agreement refuses.</summary>
    public long DocumentsWithTwoAnnotators { get; private set; }

    /// <summary>A line the reader could not read: one report, counted under its kind.</summary>
    public void AddUnreadable(string kind)
    {
        Documents++;
        CountFinding(kind);
    }

    /// <summary>One report with its length, words and findings (near-duplicates never among them), and its pieces when a bundle was given.</summary>
    public void Add(QcDocument document, int codePoints, int words, IReadOnlyCollection<string> findings, PieceCount? pieces = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(findings);
        if ((_pieces is null) != (pieces is null))
        {
            throw new InvalidOperationException(_pieces is null ? "Pieces were counted, but the counter was made without a bundle." : "A report came without its pieces, but the counter was made with a bundle.");
        }

        Documents++;
        _pieces?.Add(pieces!.Value);
        _characters[LengthHistogram.BinOf(codePoints)]++;
        _words[LengthHistogram.BinOf(words)]++;
        foreach (var finding in findings.Where(f => f != QcFindings.NearDuplicate).Distinct())
        {
            CountFinding(finding);
        }

        if (_annotation == DatasetQcAnnotation.Labels)
        {
            var categories = document.Labels.Select(Category).Distinct().ToList();
            foreach (var category in categories.Count == 0 ? [_categories.Count - 1] : categories)
            {
                _categoryCounts[category]++;
            }

            AddLabelAgreement(document.LabelsByAnnotator);
        }
        else
        {
            foreach (var group in Clip(document.Entities).GroupBy(e => Category(e.Label)))
            {
                _categoryCounts[group.Key] += group.Count();
            }

            AddEntityAgreement(document.EntitiesByAnnotator);
        }
    }

    /// <summary>The exact counts as a section, each figure with its per-report sensitivity.</summary>
    public DatasetQcSection ToSection()
    {
        var section = new DatasetQcSection
        {
            Annotation = _annotation,
            Categories = _categories,
            CharacterLengths = [.. _characters],
            WordLengths = [.. _words],
            CategoryCounts = [.. _categoryCounts],
            Findings = new SortedDictionary<string, long>(_findings, StringComparer.Ordinal),
            MaxEntitiesPerReport = _annotation == DatasetQcAnnotation.Entities ? _clip : null,
            Sensitivity = new Dictionary<string, QcSensitivity>(),
            Agreement = _annotators.Count < 2 ? null : new QcAgreementSection
            {
                Annotators = _annotators,
                CoincidencePairs = _coincidences is null ? null : CoincidencePairs(_coincidences, _annotators.Count),
                CohenTable = _cohen is null ? null : Table(_cohen),
                Fleiss = _fleiss is null || !_fleissComplete ? null : new QcFleissCounts(_fleiss.Documents, _fleiss.SumOfSquaredCounts, [.. _fleiss.LabelTotals]),
                EntityPairs = _entityPairs is null ? null : EntityPairs(),
            },
        };
        section = section with { Pieces = _pieces?.ToSection() };
        return section with { Sensitivity = DatasetQcSensitivity.Of(section) };
    }

    internal static int Pairs(int annotators) => annotators * (annotators - 1) / 2;

    private int Category(string label) => _index.TryGetValue(label, out var i) ? i : _index.Count;

    private void CountFinding(string kind)
    {
        var key = _findings.ContainsKey(kind) ? kind : DatasetQcFindings.OtherFinding;
        _findings[key]++;
    }

    private List<QcEntity> Clip(IReadOnlyList<QcEntity> entities) => _clip is not { } m
        ? [.. entities]
        : [.. entities.GroupBy(e => Category(e.Label)).SelectMany(g => g.OrderBy(e => e.Start).ThenBy(e => e.End).Take(m))];

    private void AddLabelAgreement(IReadOnlyList<string?> byAnnotator)
    {
        if (_coincidences is null)
        {
            return;
        }

        var given = byAnnotator.Take(_annotators.Count).OfType<string>().Select(label => Math.Min(Category(label), _index.Count)).ToList();
        DocumentsWithTwoAnnotators += given.Count >= 2 ? 1 : 0;
        _coincidences.AddUnit(given);
        if (_cohen is not null && byAnnotator.Count >= 2 && byAnnotator[0] is { } first && byAnnotator[1] is { } second)
        {
            _cohen.Add(Category(first), Category(second));
        }

        if (_fleiss is not null)
        {
            if (given.Count == _annotators.Count)
            {
                _fleiss.AddDocument(given);
            }
            else
            {
                _fleissComplete = false;
            }
        }
    }

    private void AddEntityAgreement(IReadOnlyList<IReadOnlyList<QcEntity>?> byAnnotator)
    {
        if (_entityPairs is null)
        {
            return;
        }

        DocumentsWithTwoAnnotators += byAnnotator.Take(_annotators.Count).Count(entities => entities is not null) >= 2 ? 1 : 0;
        var clipped = Enumerable.Range(0, _annotators.Count)
            .Select(a => Clip(a < byAnnotator.Count ? byAnnotator[a] ?? [] : []).ToLookup(e => Category(e.Label)))
            .ToList();
        var pair = 0;
        for (var a = 0; a < _annotators.Count; a++)
        {
            for (var b = a + 1; b < _annotators.Count; b++, pair++)
            {
                for (var type = 0; type < _categories.Count; type++)
                {
                    var (first, second) = (clipped[a][type].ToList(), clipped[b][type].ToList());
                    var (strict, partial) = EntityMatching.Match(first, second);
                    _entityPairs[pair, type, 0] += first.Count;
                    _entityPairs[pair, type, 1] += second.Count;
                    _entityPairs[pair, type, 2] += strict;
                    _entityPairs[pair, type, 3] += partial;
                }
            }
        }
    }

    private List<QcEntityPairCounts> EntityPairs()
    {
        var rows = new List<QcEntityPairCounts>();
        var pair = 0;
        for (var a = 0; a < _annotators.Count; a++)
        {
            for (var b = a + 1; b < _annotators.Count; b++, pair++)
            {
                for (var type = 0; type < _categories.Count; type++)
                {
                    rows.Add(new QcEntityPairCounts(
                        _annotators[a], _annotators[b], _categories[type],
                        _entityPairs![pair, type, 0], _entityPairs[pair, type, 1], _entityPairs[pair, type, 2], _entityPairs[pair, type, 3]));
                }
            }
        }

        return rows;
    }

    private static SortedDictionary<string, long[][]> CoincidencePairs(CoincidenceMatrix matrix, int annotators)
    {
        var bySize = matrix.PairsByUnitSize;
        var k = matrix.Categories;
        var pairs = new SortedDictionary<string, long[][]>(StringComparer.Ordinal);
        for (var size = 2; size <= annotators; size++)
        {
            // Every size present, zero or not: which sizes occur must not depend on the data.
            var cells = bySize.TryGetValue(size, out var found) ? found : new long[k, k];
            pairs[size.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                [.. Enumerable.Range(0, k).Select(c => Enumerable.Range(0, k).Select(j => cells[c, j]).ToArray())];
        }

        return pairs;
    }

    private static long[][] Table(RaterPairTable table) =>
        [.. Enumerable.Range(0, table.Categories).Select(r => Enumerable.Range(0, table.Categories).Select(c => table[r, c]).ToArray())];
}

/// <summary>The piece figures' counts (<see cref="QcPiecesSection"/>), added report by report.</summary>
internal sealed class PieceTotals(int window, string unknownToken)
{
    private readonly long[] _lengths = new long[LengthHistogram.Bins];
    private long _longer, _inWindow, _unknown;

    public void Add(PieceCount count)
    {
        _lengths[LengthHistogram.BinOf(count.Pieces)]++;
        _longer += count.Pieces > window ? 1 : 0;
        _inWindow += Math.Min(count.Pieces, window);
        _unknown += Math.Min(count.UnknownInWindow, window);
    }

    public QcPiecesSection ToSection() => new()
    {
        Window = window,
        UnknownToken = unknownToken,
        PieceLengths = [.. _lengths],
        LongerThanWindow = _longer,
        PiecesInWindow = _inWindow,
        UnknownPieces = _unknown,
    };
}

/// <summary>One-to-one matching of two annotators' entities of one type: same span first (strict), then overlapping spans.</summary>
public static class EntityMatching
{
    /// <returns>Strict matches, and partial matches (strict included).</returns>
    public static (long Strict, long Partial) Match(IReadOnlyList<QcEntity> first, IReadOnlyList<QcEntity> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var usedFirst = new bool[first.Count];
        var usedSecond = new bool[second.Count];
        long strict = 0, partial = 0;
        for (var i = 0; i < first.Count; i++)
        {
            var j = Enumerable.Range(0, second.Count).FirstOrDefault(j => !usedSecond[j] && second[j].Start == first[i].Start && second[j].End == first[i].End, -1);
            if (j >= 0)
            {
                (usedFirst[i], usedSecond[j]) = (true, true);
                strict++;
            }
        }

        partial = strict;
        for (var i = 0; i < first.Count; i++)
        {
            if (usedFirst[i])
            {
                continue;
            }

            var j = Enumerable.Range(0, second.Count).FirstOrDefault(j => !usedSecond[j] && second[j].Start < first[i].End && first[i].Start < second[j].End, -1);
            if (j >= 0)
            {
                usedSecond[j] = true;
                partial++;
            }
        }

        return (strict, partial);
    }
}
