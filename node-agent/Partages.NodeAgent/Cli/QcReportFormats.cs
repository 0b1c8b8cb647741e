using System.Globalization;
using System.Text;
using System.Text.Json;
using Partages.Contracts;
using Partages.Evaluation.Metrics.Agreement;
using Partages.Evaluation.Quality;
using Partages.NodeAgent.Engine.Quality;

namespace Partages.NodeAgent.Cli;

/// <summary>The <c>qc</c> report as a table for a terminal or as JSON; counts only, never a report's text.</summary>
internal static class QcReportFormats
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <param name="model">The bundle whose tokenizer counted pieces (name@version); null without <c>--model</c>.</param>
    public static string ToJson(string name, DatasetQcResult qc, string? model = null)
    {
        var profile = qc.Profile;
        return JsonSerializer.Serialize(
            new
            {
                dataset = name,
                documents = profile.Documents,
                length_bins_lower_edges = LengthHistogram.LowerEdges,
                characters = profile.Characters.Counts,
                words = profile.Words.Counts,
                labels = profile.Labels,
                entity_types = profile.EntityTypes,
                findings = profile.Findings,
                pieces = profile.Pieces is { } pieces
                    ? new
                    {
                        model,
                        window = pieces.Window,
                        unknown_token = pieces.UnknownToken,
                        piece_lengths = pieces.Pieces.Counts,
                        longer_than_window = pieces.LongerThanWindow,
                        pieces_in_window = pieces.PiecesInWindow,
                        unknown_pieces = pieces.UnknownInWindow,
                        unknown_piece_rate = pieces.UnknownRate,
                        reports_with_unknown_pieces = pieces.ReportsWithUnknown,
                    }
                    : null,
                agreement = qc.Agreement is { } agreement
                    ? new
                    {
                        annotators = agreement.Annotators,
                        labels = agreement.Labels,
                        documents_with_two_labels = agreement.DocumentsWithTwoLabels,
                        krippendorff_alpha = Estimate(agreement.Alpha),
                        cohen_kappa = Estimate(agreement.CohenKappa),
                        fleiss_kappa = Estimate(agreement.FleissKappa),
                    }
                    : null,
                entity_agreement = qc.EntityAgreement?.Select(row => new
                {
                    first = row.First,
                    second = row.Second,
                    type = row.Type,
                    first_entities = row.FirstEntities,
                    second_entities = row.SecondEntities,
                    strict_matches = row.StrictMatches,
                    partial_matches = row.PartialMatches,
                    strict_f1 = row.StrictF1?.Value,
                    partial_f1 = row.PartialF1?.Value,
                }),
            },
            Indented) + Environment.NewLine;
    }

    public static string ToTable(string path, DatasetQcResult qc, string? model = null)
    {
        var profile = qc.Profile;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Dataset {TerminalText.Escape(path)}: {profile.Documents} report(s)");
        AppendHistogram(text, "Length in characters", profile.Characters);
        AppendHistogram(text, "Length in words", profile.Words);
        if (profile.Pieces is { } pieces)
        {
            AppendHistogram(text, $"Length in pieces of {TerminalText.Escape(model ?? "the bundle")}'s tokenizer", pieces.Pieces);
            var share = profile.Documents > 0 ? ((double)pieces.LongerThanWindow / profile.Documents).ToString("0.000", CultureInfo.InvariantCulture) : "not estimable";
            text.AppendLine(CultureInfo.InvariantCulture, $"  longer than the model's window of {pieces.Window} pieces: {pieces.LongerThanWindow} report(s), share {share}");
            var rate = pieces.UnknownRate is { } r ? r.ToString("0.0000", CultureInfo.InvariantCulture) : "not estimable (no piece read)";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  unknown pieces ({TerminalText.Escape(pieces.UnknownToken)}) in each report's first window: {pieces.UnknownInWindow} of {pieces.PiecesInWindow}, rate {rate}; {pieces.ReportsWithUnknown} report(s) with at least one");
        }

        AppendCounts(text, "Labels (documents)", profile.Labels);
        AppendCounts(text, "Entity types (entities)", profile.EntityTypes);
        AppendCounts(text, "Findings (reports; a report counts under each of its problems)", profile.Findings);
        if (qc.Agreement is { } agreement)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Agreement between {string.Join(", ", agreement.Annotators.Select(TerminalText.Escape))} on {agreement.DocumentsWithTwoLabels} of {agreement.Documents} document(s) labelled at least twice:");
            AppendEstimate(text, "Krippendorff's alpha (nominal)", agreement.Alpha);
            AppendEstimate(text, "Cohen's kappa", agreement.CohenKappa, agreement.Annotators.Count == 2 ? null : "two annotators only");
            AppendEstimate(text, "Fleiss' kappa", agreement.FleissKappa, agreement.Annotators.Count >= 3 ? null : "three or more annotators");
        }

        if (qc.EntityAgreement is { } entities)
        {
            text.AppendLine("Entity agreement (one-to-one matches; F1 = 2·matches / (first + second)):");
            foreach (var row in entities)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {TerminalText.Escape(row.First)} / {TerminalText.Escape(row.Second)} {TerminalText.Escape(row.Type),-20} {row.FirstEntities,7} {row.SecondEntities,7}  strict F1 {F1(row.StrictF1)}  partial F1 {F1(row.PartialF1)}");
            }
        }

        return text.ToString();
    }

    private static string F1(Partages.Evaluation.Tasks.DatasetQc.QcFigure? figure) =>
        figure?.Value is { } value ? value.ToString("0.000", CultureInfo.InvariantCulture) : "not estimable";

    private static object? Estimate(KappaEstimate? estimate) => estimate is null
        ? null
        : new { value = estimate.Value, ci95 = estimate.Interval is { } interval ? new[] { interval.Lower, interval.Upper } : null, units = estimate.Units };

    private static void AppendEstimate(StringBuilder text, string name, KappaEstimate? estimate, string? notApplicable = null)
    {
        var shown = notApplicable is not null
            ? $"not applicable ({notApplicable})"
            : estimate is null
                ? "not estimable (no document labelled twice, or one label only)"
                : estimate.Interval is { } interval
                    ? FormattableString.Invariant($"{estimate.Value:0.000} [95 % CI {interval.Lower:0.000}, {interval.Upper:0.000}]")
                    : FormattableString.Invariant($"{estimate.Value:0.000} (no interval from counts)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-32} {shown}");
    }

    private static void AppendHistogram(StringBuilder text, string title, LengthHistogram histogram)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
        for (var bin = 0; bin < LengthHistogram.Bins; bin++)
        {
            if (histogram.Counts[bin] == 0)
            {
                continue;
            }

            var lower = LengthHistogram.LowerEdges[bin];
            var range = bin switch
            {
                0 => "0",
                LengthHistogram.Bins - 1 => $"≥ {lower}",
                _ => FormattableString.Invariant($"{lower}–{(lower * 2) - 1}"),
            };
            text.AppendLine(CultureInfo.InvariantCulture, $"  {range,-15} {histogram.Counts[bin],10}");
        }
    }

    private static void AppendCounts(StringBuilder text, string title, IReadOnlyDictionary<string, long> counts)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:{(counts.Count == 0 ? " none" : "")}");
        foreach (var (key, count) in counts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {TerminalText.Escape(key),-40} {count,10}");
        }
    }
}
