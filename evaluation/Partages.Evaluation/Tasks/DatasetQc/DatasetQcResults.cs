using Partages.Evaluation.Quality;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// A <c>dataset_qc</c> result as a results/v1 document: no confusion matrix or per-class metrics (no model ran),
/// n_documents and input_summary from the reports read, and the <c>dataset_qc</c> section. Reading back checks the
/// shape; pooling adds every count (and every noise variance) across sites.
/// </summary>
public static class DatasetQcResults
{
    // QC reads every line and sets none aside: a problem is a finding, counted, not a skip.
    public static ResultDocument Build(string task, long documents, DatasetQcSection section, ReleaseSection? release) =>
        ResultDocument.WithoutMatrix(task, documents, new InputSummary { DocumentsRead = documents, DocumentsEvaluated = documents }) with
    {
        DatasetQc = QcPieceFigures.Derive(QcAgreementFigures.Derive(section), documents),
        Release = release,
    };

    /// <summary>The section, its shape checked against <paramref name="labels"/>; counts may be negative when <paramref name="noisy"/>.</summary>
    /// <exception cref="InvalidDataException">The section is missing or malformed.</exception>
    public static DatasetQcSection Read(ResultDocument document, IReadOnlyList<string> labels, bool noisy)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(labels);
        var section = document.DatasetQc ?? throw new InvalidDataException("the dataset_qc result has no dataset_qc section");
        if (!DatasetQcAnnotation.All.Contains(section.Annotation))
        {
            throw new InvalidDataException($"dataset_qc.annotation '{section.Annotation}' is not one of {string.Join(", ", DatasetQcAnnotation.All)}");
        }

        var categories = DatasetQcCategories.For(section.Annotation, labels);
        if (section.Categories is null || !section.Categories.SequenceEqual(categories, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"dataset_qc.categories must be {string.Join(", ", categories)}");
        }

        Require(section.CharacterLengths, LengthHistogram.Bins, "character_lengths", noisy);
        Require(section.WordLengths, LengthHistogram.Bins, "word_lengths", noisy);
        Require(section.CategoryCounts, categories.Count, "category_counts", noisy);
        if (section.Findings is null || !section.Findings.Keys.Order(StringComparer.Ordinal).SequenceEqual(DatasetQcFindings.Released.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            throw new InvalidDataException($"dataset_qc.findings must list exactly {string.Join(", ", DatasetQcFindings.Released)}");
        }

        if (!noisy && section.Findings.Values.Any(v => v < 0 || v > document.NDocuments))
        {
            throw new InvalidDataException("dataset_qc.findings holds a count below 0 or above n_documents");
        }

        if (section.Sensitivity is null || section.Sensitivity.Count == 0)
        {
            throw new InvalidDataException("dataset_qc.sensitivity is missing: every released figure states its per-report sensitivity");
        }

        if (noisy && section.NoiseVariance is null)
        {
            throw new InvalidDataException("dataset_qc.noise_variance is missing from a release under differential privacy");
        }

        if (section.Agreement is { } agreement)
        {
            ReadAgreement(agreement, labels.Count + 1, categories.Count, noisy);
        }

        if (section.Pieces is { } pieces)
        {
            ReadPieces(pieces, document.NDocuments, noisy);
        }

        return section;
    }

    /// <summary>The sum of the sites' sections: every count adds, and so do the noise variances; Cohen's table stays per site.</summary>
    /// <exception cref="InvalidDataException">The sites' sections do not line up.</exception>
    public static DatasetQcSection Sum(IReadOnlyList<DatasetQcSection> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.Count == 0)
        {
            throw new ArgumentException("Nothing to pool.", nameof(sites));
        }

        var first = sites[0];
        if (sites.Any(s => s.Annotation != first.Annotation || !s.Categories.SequenceEqual(first.Categories, StringComparer.Ordinal)
            || !(s.Agreement?.Annotators ?? []).SequenceEqual(first.Agreement?.Annotators ?? [], StringComparer.Ordinal)))
        {
            throw new InvalidDataException("the sites' dataset_qc sections do not have the same annotation, categories and annotators");
        }

        var clips = sites.Select(s => s.MaxEntitiesPerReport).Distinct().ToList();
        var noisy = sites.Any(s => s.NoiseVariance is not null);
        var pooled = new DatasetQcSection
        {
            Annotation = first.Annotation,
            Categories = first.Categories,
            CharacterLengths = Add(sites.Select(s => s.CharacterLengths)),
            WordLengths = Add(sites.Select(s => s.WordLengths)),
            CategoryCounts = Add(sites.Select(s => s.CategoryCounts)),
            Findings = new SortedDictionary<string, long>(
                first.Findings.Keys.ToDictionary(k => k, k => sites.Sum(s => s.Findings[k])), StringComparer.Ordinal),
            // One site's clip if all share it; the largest otherwise (each site's sensitivity is its own).
            MaxEntitiesPerReport = clips.Contains(null) ? null : clips.Max(),
            Sensitivity = first.Sensitivity,
            NoiseVariance = noisy ? SumVariances(sites) : null,
            Agreement = first.Agreement is null ? null : SumAgreement(sites.Select(s => s.Agreement!).ToList()),
            Pieces = SumPieces(sites),
        };
        return pooled;
    }

    /// <summary>The sites' piece counts added up when every site released them with the same window; null otherwise (the pool names it omitted).</summary>
    public static QcPiecesSection? SumPieces(IReadOnlyList<DatasetQcSection> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.Any(s => s.Pieces is null) || sites.Select(s => s.Pieces!.Window).Distinct().Count() != 1)
        {
            return null;
        }

        var pieces = sites.Select(s => s.Pieces!).ToList();
        return new QcPiecesSection
        {
            Window = pieces[0].Window,
            UnknownToken = pieces[0].UnknownToken,
            PieceLengths = Add(pieces.Select(p => p.PieceLengths)),
            LongerThanWindow = pieces.Sum(p => p.LongerThanWindow),
            PiecesInWindow = pieces.Sum(p => p.PiecesInWindow),
            UnknownPieces = pieces.Sum(p => p.UnknownPieces),
        };
    }

    private static void ReadPieces(QcPiecesSection pieces, long documents, bool noisy)
    {
        if (pieces.Window < 1)
        {
            throw new InvalidDataException("dataset_qc.pieces.window must be at least 1");
        }

        Require(pieces.PieceLengths, LengthHistogram.Bins, "pieces.piece_lengths", noisy);
        if (!noisy && (pieces.LongerThanWindow < 0 || pieces.LongerThanWindow > documents || pieces.UnknownPieces < 0
            || pieces.UnknownPieces > pieces.PiecesInWindow || pieces.PiecesInWindow > checked(documents * pieces.Window)))
        {
            throw new InvalidDataException("dataset_qc.pieces holds counts that contradict each other (longer than the window above n_documents, unknown pieces above the pieces read, or more pieces than n_documents windows)");
        }
    }

    private static QcAgreementSection SumAgreement(List<QcAgreementSection> sites)
    {
        var first = sites[0];
        var fleiss = sites.All(s => s.Fleiss is not null)
            ? new QcFleissCounts(sites.Sum(s => s.Fleiss!.Documents), sites.Sum(s => s.Fleiss!.SumOfSquaredCounts), Add(sites.Select(s => s.Fleiss!.LabelTotals)))
            : null;
        return new QcAgreementSection
        {
            Annotators = first.Annotators,
            CoincidencePairs = first.CoincidencePairs?.Keys.ToDictionary(
                size => size,
                size => AddMatrices(sites.Select(s => s.CoincidencePairs![size])),
                StringComparer.Ordinal),
            // Cohen's κ is a per-site figure (ERRATA 17): the pool's agreement is Krippendorff's α.
            CohenTable = null,
            Fleiss = fleiss,
            EntityPairs = first.EntityPairs?.Select((row, i) => row with
            {
                FirstEntities = sites.Sum(s => s.EntityPairs![i].FirstEntities),
                SecondEntities = sites.Sum(s => s.EntityPairs![i].SecondEntities),
                StrictMatches = sites.Sum(s => s.EntityPairs![i].StrictMatches),
                PartialMatches = sites.Sum(s => s.EntityPairs![i].PartialMatches),
                StrictF1 = null,
                PartialF1 = null,
            }).ToList(),
        };
    }

    private static SortedDictionary<string, double> SumVariances(IReadOnlyList<DatasetQcSection> sites)
    {
        var sum = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var site in sites)
        {
            foreach (var (figure, variance) in site.NoiseVariance ?? new Dictionary<string, double>())
            {
                sum[figure] = sum.GetValueOrDefault(figure) + variance;
            }
        }

        return sum;
    }

    private static void ReadAgreement(QcAgreementSection agreement, int agreementCategories, int categories, bool noisy)
    {
        if (agreement.Annotators is null || agreement.Annotators.Count < 2)
        {
            throw new InvalidDataException("dataset_qc.agreement needs at least two annotators");
        }

        foreach (var (size, cells) in agreement.CoincidencePairs ?? new Dictionary<string, long[][]>())
        {
            RequireSquare(cells, agreementCategories, $"coincidence_pairs[{size}]", noisy);
        }

        if (agreement.CohenTable is { } table)
        {
            RequireSquare(table, agreementCategories, "cohen_table", noisy);
        }

        if (agreement.EntityPairs is { } pairs && pairs.Count != DatasetQcCounter.Pairs(agreement.Annotators.Count) * categories)
        {
            throw new InvalidDataException("dataset_qc.agreement.entity_pairs must have one row per annotator pair and type");
        }
    }

    private static void Require(long[]? counts, int length, string name, bool noisy)
    {
        if (counts is null || counts.Length != length)
        {
            throw new InvalidDataException($"dataset_qc.{name} must hold {length} counts");
        }

        if (!noisy && counts.Any(c => c < 0))
        {
            throw new InvalidDataException($"dataset_qc.{name} holds a negative count in an exact release");
        }
    }

    private static void RequireSquare(long[][]? cells, int size, string name, bool noisy)
    {
        if (cells is null || cells.Length != size || cells.Any(row => row is null || row.Length != size))
        {
            throw new InvalidDataException($"dataset_qc.agreement.{name} must be {size} × {size}");
        }

        if (!noisy && cells.Any(row => row.Any(c => c < 0)))
        {
            throw new InvalidDataException($"dataset_qc.agreement.{name} holds a negative count in an exact release");
        }
    }

    /// <summary>The element-wise sum of count arrays of one length (pooling adds every released count).</summary>
    public static long[] Add(IEnumerable<long[]> arrays)
    {
        long[]? sum = null;
        foreach (var array in arrays)
        {
            sum ??= new long[array.Length];
            for (var i = 0; i < array.Length; i++)
            {
                sum[i] = checked(sum[i] + array[i]);
            }
        }

        return sum ?? [];
    }

    private static long[][] AddMatrices(IEnumerable<long[][]> matrices)
    {
        var list = matrices.ToList();
        return [.. Enumerable.Range(0, list[0].Length).Select(r => Add(list.Select(m => m[r])))];
    }
}
