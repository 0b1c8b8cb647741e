using System.Globalization;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Evaluation.Quality;

/// <summary>
/// A pooled <c>dataset_qc</c> result laid out for reading sites side by side — the CLI's <c>partages results</c> and
/// the dashboard render the same rows: each distribution bin by bin with every site's share (noisy counts projected
/// onto the simplex first, so shares are in [0, 1]), the findings, each site's Jensen–Shannon divergence from the
/// pool with its interval (<see cref="SiteComparison"/>), and the agreement figures.
/// </summary>
public sealed record QcComparisonView(
    IReadOnlyList<string> Sites,
    IReadOnlyList<QcDistribution> Distributions,
    IReadOnlyList<QcTextRow> Findings,
    IReadOnlyList<QcTextRow> Divergences,
    IReadOnlyList<QcTextRow> Agreement,
    IReadOnlyList<string> Notes)
{
    /// <summary>Given a bundle: the window, the share of reports longer than it and the unknown-piece rate, per column; empty without one.</summary>
    public IReadOnlyList<QcTextRow> Pieces { get; init; } = [];

    /// <summary>The columns: every site, then the pool.</summary>
    public const string Pooled = "pooled";

    /// <summary>The view of <paramref name="result"/>; null when it holds no QC section.</summary>
    public static QcComparisonView? Of(PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var sites = result.PerSite.Where(s => s.Value.DatasetQc is not null).Select(s => KeyValuePair.Create(s.Key, s.Value.DatasetQc!)).ToList();
        if (sites.Count == 0 || result.Pooled?.DatasetQc is not { } pooled)
        {
            return null;
        }

        var columns = sites.Select(s => (s.Key, s.Value)).Append((Pooled, pooled)).ToList();
        var distributions = new List<QcDistribution>
        {
            Distribution("Length in characters (share of reports)", LengthBins(), columns.Select(c => c.Item2.CharacterLengths)),
            Distribution("Length in words (share of reports)", LengthBins(), columns.Select(c => c.Item2.WordLengths)),
            Distribution(pooled.Annotation == DatasetQcAnnotation.Entities ? "Entity types (share of entities)" : "Labels (share of label assignments)", pooled.Categories, columns.Select(c => c.Item2.CategoryCounts)),
        };
        if (pooled.Pieces is not null)
        {
            distributions.Add(Distribution("Length in model pieces (share of reports)", LengthBins(), columns.Select(c => c.Item2.Pieces!.PieceLengths)));
        }

        var findings = pooled.Findings.Keys
            .Select(kind => new QcTextRow(kind, [.. columns.Select(c => c.Item2.Findings.GetValueOrDefault(kind).ToString(CultureInfo.InvariantCulture))]))
            .ToList();
        var divergence = SiteComparison.Compare(sites);
        var divergences = sites.Select(s => new QcTextRow(
            s.Key,
            [.. SiteComparison.Figures.Select(f => divergence.Single(d => d.Site == s.Key && d.Figure == f).JensenShannon).Select(j => ReleaseNotes.WithInterval(j.Value, j.Interval))])).ToList();
        var agreement = AgreementRows(columns);
        var notes = new List<string>
        {
            "Near-duplicate counts stay in each hospital's local report (Partages.NodeAgent qc): one report can be the near-duplicate of many, so they have no bounded sensitivity.",
            "Jensen–Shannon divergence (base 2, 0 = same distribution, 1 = disjoint) of each site from the pool, on the released histograms projected onto the simplex; 95 % interval by simulation from the release mechanism.",
            "Per-report sensitivity of each released figure (Δ₂², replace-one): "
                + string.Join("; ", pooled.Sensitivity.Select(s => $"{s.Key} {(s.Value.L2Squared is { } l ? l.ToString("0.##", CultureInfo.InvariantCulture) : "unbounded")} ({s.Value.Note})")),
        };
        if (pooled.Pieces is { } pooledPieces)
        {
            notes.Add($"Pieces are the bundle's tokenizer's; the window is {pooledPieces.Window} pieces (max_length less the two framing tokens); the unknown-piece rate counts {pooledPieces.UnknownToken} among each report's first window of pieces.");
        }

        notes.AddRange(ReleaseNotes.For(result));
        return new QcComparisonView([.. columns.Select(c => c.Item1)], distributions, findings, divergences, agreement, notes) { Pieces = PieceRows(columns) };
    }

    private static List<QcTextRow> PieceRows(List<(string Name, DatasetQcSection Section)> columns)
    {
        if (columns[^1].Section.Pieces is null)
        {
            return [];
        }

        // Percentages with two decimals: unknown-piece rates are often well under 1 %.
        static string Percent(double value) => (value * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %";
        static string Cell(QcFigure? figure) => figure switch
        {
            null => "—",
            { Value: null } => "not estimable",
            { Value: { } v, Interval: { } i } => $"{Percent(v)} [{Percent(i.CiLow)}, {Percent(i.CiHigh)}]",
            { Value: { } v } => Percent(v),
        };
        return
        [
            new QcTextRow("Model window (pieces)", [.. columns.Select(c => c.Section.Pieces?.Window.ToString(CultureInfo.InvariantCulture) ?? "—")]),
            new QcTextRow("Reports longer than the window (share)", [.. columns.Select(c => Cell(c.Section.Pieces?.ShareLongerThanWindow))]),
            new QcTextRow("Unknown-piece rate", [.. columns.Select(c => Cell(c.Section.Pieces?.UnknownPieceRate))]),
        ];
    }

    private static List<QcTextRow> AgreementRows(List<(string Name, DatasetQcSection Section)> columns)
    {
        var rows = new List<QcTextRow>();
        if (columns[^1].Section.Agreement is null)
        {
            return rows;
        }

        string Cell(QcFigure? figure, string absent) => figure is null ? absent : ReleaseNotes.WithInterval(figure.Value, figure.Interval);
        var pooled = columns[^1].Section.Agreement!;
        if (pooled.CoincidencePairs is not null)
        {
            rows.Add(new QcTextRow("Krippendorff's alpha (nominal)", [.. columns.Select(c => Cell(c.Section.Agreement?.Alpha, "—"))]));
            rows.Add(new QcTextRow("Cohen's kappa (per site only)", [.. columns.Select(c => Cell(c.Section.Agreement?.CohenKappa, "—"))]));
            rows.Add(new QcTextRow("Fleiss' kappa", [.. columns.Select(c => Cell(c.Section.Agreement?.FleissKappa, "—"))]));
        }

        foreach (var (pair, i) in (pooled.EntityPairs ?? []).Select((p, i) => (p, i)))
        {
            rows.Add(new QcTextRow($"{pair.First}/{pair.Second} {pair.Type} strict F1", [.. columns.Select(c => Cell(c.Section.Agreement?.EntityPairs?[i].StrictF1, "—"))]));
            rows.Add(new QcTextRow($"{pair.First}/{pair.Second} {pair.Type} partial F1", [.. columns.Select(c => Cell(c.Section.Agreement?.EntityPairs?[i].PartialF1, "—"))]));
        }

        return rows;
    }

    private static List<string> LengthBins() =>
        [.. Enumerable.Range(0, LengthHistogram.Bins).Select(bin => bin switch
        {
            0 => "0",
            LengthHistogram.Bins - 1 => $"≥ {LengthHistogram.LowerEdges[bin]}",
            _ => FormattableString.Invariant($"{LengthHistogram.LowerEdges[bin]}–{(LengthHistogram.LowerEdges[bin] * 2) - 1}"),
        })];

    private static QcDistribution Distribution(string title, IReadOnlyList<string> bins, IEnumerable<long[]> columns)
    {
        var shares = columns.Select(c => JensenShannon.ProjectOntoSimplex([.. c.Select(x => (double)x)])).ToList();
        // Bins empty in every column are left out: lengths run over 19 power-of-two bins, most of them empty.
        var kept = Enumerable.Range(0, bins.Count).Where(b => shares.Any(s => s is not null && s[b] > 0)).ToList();
        return new QcDistribution(title, [.. kept.Select(b => bins[b])], [.. shares.Select(s => (IReadOnlyList<double?>)[.. kept.Select(b => s?[b])])]);
    }
}

/// <summary>One distribution: its bins (rows) and each column's share per bin (null: nothing positive released).</summary>
public sealed record QcDistribution(string Title, IReadOnlyList<string> Bins, IReadOnlyList<IReadOnlyList<double?>> Shares);

/// <summary>A row of text cells, one per column.</summary>
public sealed record QcTextRow(string Name, IReadOnlyList<string> Cells);
