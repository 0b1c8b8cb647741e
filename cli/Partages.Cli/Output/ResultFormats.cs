using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.MultipleChoice;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.Cli.Output;

/// <summary>The machine-readable renderings of a pooled result: JSON (the stored document), tidy CSV, Markdown.</summary>
internal static class ResultFormats
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// The pooled results document as the coordinator stored it (docs/results-schema.md), indented, with two members
    /// added for a reader of the file alone: <c>evaluation_state</c> (a cancelled evaluation says so) and
    /// <c>release_notes</c>, the lines every other format prints under its figures.
    /// </summary>
    public static string Json(EvaluationView evaluation)
    {
        var document = JsonNode.Parse(evaluation.PooledResultJson)!.AsObject();
        document["evaluation_state"] = RunStates.Name(evaluation.State);
        document["release_notes"] = new JsonArray([.. Notes(evaluation).Select(n => (JsonNode?)JsonValue.Create(n))]);
        return document.ToJsonString(Indented);
    }

    /// <summary>The release notes (ReleaseNotes.For), then why the evaluation was cancelled when it was.</summary>
    public static IReadOnlyList<string> Notes(EvaluationView evaluation)
    {
        var notes = ResultsTable.PrivacyNotes(ResultJson.DeserializePooled(evaluation.PooledResultJson)).ToList();
        if (evaluation.State == Partages.Contracts.V1.EvaluationState.Cancelled)
        {
            notes.Add($"Cancelled{(evaluation.Reason.Length > 0 ? ": " + evaluation.Reason : "")}; pooled only because at least min_sites ({evaluation.MinSites}) site(s) had succeeded.");
        }

        return notes;
    }

    /// <summary>
    /// One value per row (<c>site,metric,class,predicted,value</c>), each site then <c>pooled</c>, then rows with an empty
    /// site: <c>evaluation_state</c> and one <c>release_note</c> per note. Per site: n_documents, accuracy,
    /// micro/macro/weighted precision, recall and F1, per-class precision, recall, F1 and support, and every confusion
    /// matrix cell (<c>confusion,gold,predicted,count</c>; <c>cooccurrence,gold,predicted,count</c> for a multi-label
    /// result, whose matrix is a label co-occurrence), and a robustness suite's rows per perturbation
    /// (<see cref="RobustnessCsv"/>). Tidy, so a spreadsheet or pandas can pivot it.
    /// </summary>
    public static string Csv(EvaluationView evaluation)
    {
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        var csv = new StringBuilder("site,metric,class,predicted,value\n");
        var cellMetric = ResultsTable.IsMultiLabel(result.Task) ? "cooccurrence" : "confusion";
        foreach (var (site, document) in Scopes(result))
        {
            void Row(string metric, string label, string predicted, string value) =>
                csv.Append(Field(site)).Append(',').Append(metric).Append(',').Append(Field(label)).Append(',')
                    .Append(Field(predicted)).Append(',').Append(value).Append('\n');

            Row("n_documents", "", "", Integer(document.NDocuments));
            Row("accuracy", "", "", Number(document.Accuracy));
            Row("accuracy_ci_low", "", "", Number(document.Intervals?.Accuracy?.CiLow));
            Row("accuracy_ci_high", "", "", Number(document.Intervals?.Accuracy?.CiHigh));
            if (document.Release?.DifferentialPrivacy is { } privacy)
            {
                // Whoever reads the file alone must know the figures come from noisy counts.
                Row("dp_epsilon", "", "", Number(privacy.Epsilon));
                Row("dp_delta", "", "", Number(privacy.Delta));
                Row("dp_noise_variance", "", "", Number(privacy.NoiseVariance.OutcomeCounts));
            }
            foreach (var (average, metrics) in new[] { ("micro", document.Micro), ("macro", document.Macro), ("weighted", document.Weighted) })
            {
                Row($"{average}_precision", "", "", Number(metrics.Precision));
                Row($"{average}_recall", "", "", Number(metrics.Recall));
                Row($"{average}_f1", "", "", Number(metrics.F1));
            }

            foreach (var (metric, section) in document.EdsNlp?.Metrics ?? new Dictionary<string, EdsNlpMetricSection>())
            {
                // EDS-NLP's micro figures, with their intervals under differential privacy (empty when exact).
                foreach (var (figure, value, interval) in new[] { ("precision", section.Micro.Precision, section.MicroIntervals?.Precision), ("recall", section.Micro.Recall, section.MicroIntervals?.Recall), ("f1", section.Micro.F1, section.MicroIntervals?.F1) })
                {
                    Row($"{metric}_{figure}", "", "", Number(value));
                    if (interval is not null)
                    {
                        Row($"{metric}_{figure}_ci_low", "", "", Number(interval.CiLow));
                        Row($"{metric}_{figure}_ci_high", "", "", Number(interval.CiHigh));
                    }
                }
            }

            QualifierCsvRows(document, Row);
            RobustnessCsv.Rows(document, Row, Number);
            MultipleChoiceCsvRows(document, Row);
            foreach (var label in document.ConfusionMatrix.Labels)
            {
                if (document.PerClass.TryGetValue(label, out var metrics))
                {
                    Row("precision", label, "", Number(metrics.Precision));
                    Row("recall", label, "", Number(metrics.Recall));
                    Row("f1", label, "", Number(metrics.F1));
                    Row("support", label, "", Integer(metrics.Support));
                }
            }

            var labels = document.ConfusionMatrix.Labels;
            for (var g = 0; g < labels.Count; g++)
            {
                for (var p = 0; p < labels.Count; p++)
                {
                    Row(cellMetric, labels[g], labels[p], Integer(document.ConfusionMatrix.Matrix[g][p]));
                }
            }
        }

        // Rows, not '#' comments: every CSV reader keeps them, and a file read alone still says what its figures are.
        // The empty site sets them apart from any site's rows.
        csv.Append(",evaluation_state,,,").Append(RunStates.Name(evaluation.State)).Append('\n');
        foreach (var note in Notes(evaluation))
        {
            csv.Append(",release_note,,,").Append(Field(note)).Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>A report to paste in a paper draft or an issue: per-site metrics, the pooled confusion matrix, missing sites, the reproducibility manifest.</summary>
    public static string Markdown(EvaluationView evaluation)
    {
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Evaluation {Cell(evaluation.Name)} ({Code(evaluation.Id)})\n\n");
        md.Append(CultureInfo.InvariantCulture, $"State: **{RunStates.Name(evaluation.State)}** · model bundle {Code(evaluation.ModelBundleSha256)} · spec {Code(evaluation.SpecSha256)}\n\n");
        if (Partages.Evaluation.Quality.QcComparisonView.Of(result) is { } qc)
        {
            // A dataset QC (no model): the sites side by side, the same rows as the table format.
            return QcMarkdown(md, qc);
        }

        var labels = result.Pooled?.ConfusionMatrix.Labels ?? result.PerSite.Values.FirstOrDefault()?.ConfusionMatrix.Labels ?? [];
        var multiLabel = ResultsTable.IsMultiLabel(result.Task);
        md.Append(multiLabel ? "| site | documents | subset accuracy [95% CI] | macro P | macro R | macro F1 [95% CI] | privacy |" : "| site | documents | accuracy [95% CI] | macro P | macro R | macro F1 [95% CI] | privacy |");
        foreach (var label in labels)
        {
            md.Append(CultureInfo.InvariantCulture, $" F1 {Cell(label)} |");
        }

        md.Append("\n|---|---:|---:|---:|---:|---:|---|").Append(string.Concat(labels.Select(_ => "---:|"))).Append('\n');
        foreach (var (site, document) in Scopes(result))
        {
            var name = site == "pooled" ? "**pooled**" : Cell(site);
            md.Append(CultureInfo.InvariantCulture,
                $"| {name} | {Integer(document.NDocuments)} | {ResultsTable.WithInterval(document.Accuracy, document.Intervals?.Accuracy)} | {Fixed(document.Macro.Precision)} | {Fixed(document.Macro.Recall)} | {ResultsTable.WithInterval(document.Macro.F1, document.Intervals?.MacroF1)} | {Cell(ResultsTable.PrivacyLabel(document))} |");
            foreach (var label in labels)
            {
                md.Append(' ').Append(document.PerClass.TryGetValue(label, out var m) ? Fixed(m.F1) : "-").Append(" |");
            }

            md.Append('\n');
        }

        if (result.Pooled is { } pooled)
        {
            md.Append(multiLabel
                ? "\n## Pooled label co-occurrence\n\nRows are gold labels, columns predicted labels: each cell counts the documents carrying that gold label " +
                  "and predicted that label, so a document counts in every pair of its label sets and rows do not sum to documents; " +
                  "the diagonal is each label's true positives.\n\n| gold \\ predicted |"
                : "\n## Pooled confusion matrix\n\nRows are gold labels, columns predicted labels.\n\n| gold \\ predicted |");
            foreach (var label in labels)
            {
                md.Append(' ').Append(Cell(label)).Append(" |");
            }

            md.Append("\n|---|").Append(string.Concat(labels.Select(_ => "---:|"))).Append('\n');
            for (var g = 0; g < labels.Count; g++)
            {
                md.Append("| ").Append(Cell(labels[g])).Append(" |");
                foreach (var count in pooled.ConfusionMatrix.Matrix[g])
                {
                    md.Append(' ').Append(Integer(count)).Append(" |");
                }

                md.Append('\n');
            }
        }

        var qualifiers = QualifierReleaseNotes.Rows(result);
        if (qualifiers.Count > 0)
        {
            md.Append("\n## Attributes, codes and fragments (on matched spans)\n\n| site | metric | scope | figures [95% CI] | privacy |\n|---|---|---|---|---|\n");
            foreach (var row in qualifiers)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {(row.Site == "pooled" ? "**pooled**" : Cell(row.Site))} | {Cell(row.Metric)} | {Cell(row.Scope)} | {row.Figures} | {Cell(row.Privacy)} |\n");
            }
        }

        var edsNlp = ReleaseNotes.EdsNlpRows(result);
        if (edsNlp.Count > 0)
        {
            md.Append("\n## EDS-NLP metrics (micro)\n\n| site | metric | precision [95% CI] | recall [95% CI] | F1 [95% CI] | privacy |\n|---|---|---:|---:|---:|---|\n");
            foreach (var row in edsNlp)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {(row.Site == "pooled" ? "**pooled**" : Cell(row.Site))} | {row.Metric} | {row.Precision} | {row.Recall} | {row.F1} | {Cell(row.Privacy)} |\n");
            }
        }

        var robustness = Partages.Evaluation.Robustness.RobustnessRows.From(result);
        if (robustness.Count > 0)
        {
            md.Append("\n## Robustness\n\n| ").Append(string.Join(" | ", Partages.Evaluation.Robustness.RobustnessRows.Headings)).Append(" |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n");
            foreach (var row in robustness)
            {
                md.Append(CultureInfo.InvariantCulture,
                    $"| {(row.Site == "pooled" ? "**pooled**" : Cell(row.Site))} | {Cell(row.Perturbation)} | {row.Reports} | {row.Accuracy} | {row.MicroF1} | {row.MacroF1} | {row.Discordant} | {row.McNemarP} | {Cell(row.Privacy)} |\n");
            }
        }

        var choices = MultipleChoiceRows.From(result);
        if (choices.Count > 0)
        {
            md.Append("\n## Multiple-choice QA\n\n| ").Append(string.Join(" | ", MultipleChoiceRows.Headings)).Append(" |\n|---|---:|---:|---:|---:|---:|---|\n");
            foreach (var row in choices)
            {
                md.Append(CultureInfo.InvariantCulture,
                    $"| {(row.Site == MultipleChoiceRows.Pooled ? "**pooled**" : Cell(row.Site))} | {row.Questions} | {row.ExactMatchRatio} | {row.HammingScore} | {row.InvalidRate} | {row.Truncated} | {Cell(row.Outputs)} |\n");
            }
        }

        var notes = Notes(evaluation);
        if (notes.Count > 0)
        {
            md.Append("\n## Release notes\n\n");
            foreach (var note in notes)
            {
                md.Append("- ").Append(Cell(note)).Append('\n');
            }
        }

        if (result.MissingSites.Count > 0)
        {
            md.Append("\n## Not in the pooled result\n\n");
            foreach (var missing in result.MissingSites)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {Cell(missing.Site)}: {Cell(missing.Reason)}\n");
            }
        }

        if (ReproducibilityManifest.ReadFrom(evaluation.PooledResultJson) is { } manifest)
        {
            // What a reader needs to reproduce the figures: the exact data snapshots and software that produced them.
            md.Append(CultureInfo.InvariantCulture, $"\n## Reproducibility\n\nCoordinator {Cell(manifest.CoordinatorVersion)}.\n\n");
            md.Append("| site | dataset | snapshot sha256 | agent | ONNX Runtime |\n|---|---|---|---|---|\n");
            foreach (var (site, part) in manifest.Sites)
            {
                md.Append(CultureInfo.InvariantCulture,
                    $"| {Cell(site)} | {Cell(part.Dataset ?? "-")} | {Code(part.DatasetFingerprint ?? "-")} | {Cell(part.AgentVersion ?? "-")} | {Cell(part.OnnxruntimeVersion ?? "-")} |\n");
            }
        }

        return md.ToString();
    }

    /// <summary>Each site in name order, then the pooled result under the name <c>pooled</c>.</summary>
    private static IEnumerable<(string Site, ResultDocument Document)> Scopes(PooledResultDocument result)
    {
        foreach (var (site, document) in result.PerSite.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            yield return (site, document);
        }

        if (result.Pooled is not null)
        {
            yield return ("pooled", result.Pooled);
        }
    }

    /// <summary>A multiple-choice result's figures with their intervals, the questions per Hamming-score bin and the answers per outcome.</summary>
    private static void MultipleChoiceCsvRows(ResultDocument document, Action<string, string, string, string> row)
    {
        if (document.MultipleChoice is not { } section)
        {
            return;
        }

        foreach (var (metric, value, interval) in new[] { ("exact_match_ratio", section.ExactMatchRatio, section.ExactMatchRatioInterval), ("hamming_score", section.HammingScore, section.HammingScoreInterval), ("invalid_rate", section.InvalidRate, section.InvalidRateInterval) })
        {
            row(metric, "", "", Number(value));
            row(metric + "_ci_low", "", "", Number(interval?.CiLow));
            row(metric + "_ci_high", "", "", Number(interval?.CiHigh));
        }

        foreach (var bin in section.HammingHistogram)
        {
            row("hamming_bin", bin.Score, "", Integer(bin.Count));
        }

        foreach (var (kind, count) in section.Outputs)
        {
            row("outputs", kind, "", Integer(count));
        }

        row("truncated", "", "", Integer(section.Truncated));
    }

    private static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A ratio without a denominator is written "not estimable" (CSV) rather than as 0 or 1.</summary>
    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "not estimable";

    private static string Fixed(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "not estimable";

    /// <summary>RFC 4180: quoted when it holds a comma, a quote or a line break.</summary>
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>
    /// The <c>span_qualifiers</c> figures (docs/ner.md "Attributes, codes and fragments"): span_attribute precision,
    /// recall, F1 and AP per <c>attribute=value</c> and micro; normalisation accuracy and ner_fragments rates overall
    /// (empty class) and per type; each with its interval under differential privacy.
    /// </summary>
    private static void QualifierCsvRows(ResultDocument document, Action<string, string, string, string> row)
    {
        void Figure(string metric, string scope, double? value, Interval? interval)
        {
            row(metric, scope, "", Number(value));
            if (interval is not null)
            {
                row(metric + "_ci_low", scope, "", Number(interval.CiLow));
                row(metric + "_ci_high", scope, "", Number(interval.CiHigh));
            }
        }

        if (document.SpanQualifiers is not { } section)
        {
            return;
        }

        if (section.SpanAttribute is { } attributes)
        {
            foreach (var (scope, score, intervals) in attributes.PerValue.Select(p => (p.Key, p.Value, attributes.PerValueIntervals?.GetValueOrDefault(p.Key))).Prepend(("micro", attributes.Micro, attributes.MicroIntervals)))
            {
                Figure("span_attribute_precision", scope, score.Precision, intervals?.Precision);
                Figure("span_attribute_recall", scope, score.Recall, intervals?.Recall);
                Figure("span_attribute_f1", scope, score.F1, intervals?.F1);
                Figure("span_attribute_ap", scope, score.Ap, null);
            }
        }

        foreach (var (scope, score) in (section.Normalisation?.PerType ?? new Dictionary<string, ProportionScore>()).Select(p => (p.Key, (ProportionScore?)p.Value)).Prepend(("", section.Normalisation?.Overall)))
        {
            if (score is not null)
            {
                Figure("normalisation_accuracy", scope, score.Rate, score.RateInterval);
            }
        }

        foreach (var (scope, score) in (section.Fragments?.PerType ?? new Dictionary<string, FragmentScore>()).Select(p => (p.Key, (FragmentScore?)p.Value)).Prepend(("", section.Fragments?.Overall)))
        {
            if (score is not null)
            {
                Figure("fragments_entities_exact", scope, score.Entities.Rate, score.Entities.RateInterval);
                Figure("fragments_matched", scope, score.Fragments.Rate, score.Fragments.RateInterval);
            }
        }
    }

    /// <summary>
    /// Text from the coordinator as Markdown text, inside a table cell or not. Names, notes and reasons come from the
    /// coordinator and the nodes; the report is pasted into issues and papers, where a renderer would run raw HTML
    /// and follow injected links. So HTML is entity-escaped, the characters that break out of a cell or make a link or
    /// a code span are backslash-escaped ('|' would end the cell, '[' start a link), and line breaks and other control characters are shown escaped
    /// (<see cref="TerminalText"/>) instead of ending the row.
    /// </summary>
    internal static string Cell(string value)
    {
        var text = TerminalText.Escape(value);
        var cell = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '&' => cell.Append("&amp;"),
                '<' => cell.Append("&lt;"),
                '>' => cell.Append("&gt;"),
                '\\' or '|' or '`' or '[' or ']' => cell.Append('\\').Append(c),
                _ => cell.Append(c),
            };
        }

        return cell.ToString();
    }

    /// <summary>An id or a hash as a code span: HTML is inert there, but a backtick would close it and a '|' end the cell.</summary>
    internal static string Code(string value) =>
        "`" + TerminalText.Escape(value).Replace('`', '\'').Replace("|", "\\|", StringComparison.Ordinal) + "`";
    private static string QcMarkdown(StringBuilder md, Partages.Evaluation.Quality.QcComparisonView view)
    {
        void Table(string title, string first, IReadOnlyList<string> columns, IEnumerable<(string Name, IEnumerable<string> Cells)> rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"## {Cell(title)}\n\n| {Cell(first)} |{string.Concat(columns.Select(c => $" {Cell(c)} |"))}\n|---|{string.Concat(columns.Select(_ => "---:|"))}\n");
            foreach (var (name, cells) in rows)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {Cell(name)} |{string.Concat(cells.Select(c => $" {Cell(c)} |"))}\n");
            }

            md.Append('\n');
        }

        foreach (var distribution in view.Distributions)
        {
            Table(distribution.Title, "bin", view.Sites, distribution.Bins.Select((bin, b) =>
                (bin, distribution.Shares.Select(shares => shares[b] is { } share ? (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—"))));
        }

        if (view.Pieces.Count > 0)
        {
            Table("Through the model's tokenizer [95% CI]", "figure", view.Sites, view.Pieces.Select(r => (r.Name, r.Cells.AsEnumerable())));
        }

        Table("Findings (reports per kind)", "kind", view.Sites, view.Findings.Select(r => (r.Name, r.Cells.AsEnumerable())));
        Table("Divergence from the pool: Jensen–Shannon [95% CI]", "site", Partages.Evaluation.Quality.SiteComparison.Figures, view.Divergences.Select(r => (r.Name, r.Cells.AsEnumerable())));
        if (view.Agreement.Count > 0)
        {
            Table("Agreement between annotators [95% CI]", "figure", view.Sites, view.Agreement.Select(r => (r.Name, r.Cells.AsEnumerable())));
        }

        foreach (var note in view.Notes)
        {
            md.Append(CultureInfo.InvariantCulture, $"* {note}\n");
        }

        return md.ToString();
    }
}
