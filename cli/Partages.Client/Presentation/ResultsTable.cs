using System.Globalization;
using Partages.Contracts.V1;
using Partages.Evaluation.Bundles;
using EvaluationView = Partages.Contracts.V1.Evaluation;
using Partages.Evaluation.Results;
using Spectre.Console;

namespace Partages.Client.Presentation;

/// <summary>Per-site and pooled results as console tables.</summary>
public static class ResultsTable
{
    public static void Write(IAnsiConsole console, EvaluationView evaluation)
    {
        console.MarkupLine($"[bold]Evaluation[/] {TerminalMarkup.Escape(evaluation.Name)} ({TerminalMarkup.Escape(evaluation.Id)}): [bold]{State(evaluation.State)}[/]");
        foreach (var run in evaluation.Runs.Where(r => r.State != RunState.Succeeded))
        {
            console.MarkupLine($"  [yellow]{TerminalMarkup.Escape(run.NodeName)}[/]: {StateName(run.State)} — {TerminalMarkup.Escape(run.Reason)}");
        }

        if (string.IsNullOrEmpty(evaluation.PooledResultJson))
        {
            console.MarkupLine("[red]No pooled result.[/]");
            return;
        }

        if (evaluation.State == EvaluationState.Cancelled)
        {
            // The figures below are of a cancelled evaluation: said before them, not only in the heading's colour.
            console.MarkupLine($"[yellow]Cancelled{(evaluation.Reason.Length > 0 ? ": " + Markup.Escape(evaluation.Reason) : "")}.[/] Pooled over the {evaluation.IncludedSites.Count} site(s) that succeeded before (min_sites {evaluation.MinSites}).");
        }

        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        if (Partages.Evaluation.Tasks.TaskRegistry.Find(result.Task)?.ProfilesDataset == true)
        {
            // No model ran: the sites' datasets side by side instead of metrics.
            QcComparisonTable.Write(console, result);
            return;
        }

        var labels = result.Pooled?.ConfusionMatrix.Labels ?? [];
        var multiLabel = IsMultiLabel(result.Task);
        var table = new Table().Title("Per-site and pooled results")
            .AddColumns("site", "documents", multiLabel ? "subset accuracy [[95% CI]]" : "accuracy [[95% CI]]", "macro P", "macro R", "macro F1 [[95% CI]]", "privacy");
        foreach (var label in labels)
        {
            table.AddColumn(new TableColumn($"F1 {TerminalMarkup.Escape(label)}").RightAligned());
        }

        foreach (var (site, document) in result.PerSite)
        {
            table.AddRow(Row(TerminalMarkup.Escape(site), document, labels));
        }

        if (result.Pooled is not null)
        {
            table.AddRow(Row("[bold]pooled[/]", result.Pooled, labels));
        }

        console.Write(table);
        if (result.Pooled is not null)
        {
            var matrix = new Table().Title(MatrixTitle(result.Task)).AddColumn("gold \\ predicted");
            foreach (var label in labels)
            {
                matrix.AddColumn(new TableColumn(TerminalMarkup.Escape(label)).RightAligned());
            }

            for (var g = 0; g < labels.Count; g++)
            {
                matrix.AddRow([TerminalMarkup.Escape(labels[g]), .. result.Pooled.ConfusionMatrix.Matrix[g].Select(c => c.ToString(CultureInfo.InvariantCulture))]);
            }

            console.Write(matrix);
        }

        WriteEdsNlp(console, result);
        WriteRobustness(console, result);
        GenerativeTables.Write(console, result);
        MultipleChoiceTables.Write(console, result);
        foreach (var missing in result.MissingSites)
        {
            console.MarkupLine($"[yellow]Not in the pooled result:[/] {TerminalMarkup.Escape(missing.Site)} — {TerminalMarkup.Escape(missing.Reason)}");
        }

        foreach (var line in PrivacyNotes(result))
        {
            console.MarkupLine(TerminalMarkup.Escape(line));
        }
    }

    /// <summary>What every figure is (noisy or exact) and what was withheld: the same lines close every output format.</summary>
    public static IReadOnlyList<string> PrivacyNotes(PooledResultDocument result) => ReleaseNotes.For(result);

    /// <summary>"DP ε 1 (δ 1e-06)" or "exact", as the privacy column shows it.</summary>
    public static string PrivacyLabel(ResultDocument document) => ReleaseNotes.PrivacyLabel(document);

    /// <summary>A figure with its interval: "0.873 [0.801, 0.925]", or the figure alone, or "not estimable".</summary>
    public static string WithInterval(double? value, Interval? interval) => ReleaseNotes.WithInterval(value, interval);

    /// <summary>Whether the result's <c>confusion_matrix</c> is a label co-occurrence matrix (docs/results-schema.md, multi-label).</summary>
    public static bool IsMultiLabel(string task) => Partages.Evaluation.Tasks.TaskRegistry.Find(task)?.MatrixCountsLabelPairs == true;

    /// <summary>
    /// The pooled matrix's title. A multi-label result's <c>confusion_matrix</c> counts a document once in every
    /// (gold label, predicted label) pair of its two label sets, so calling it a confusion matrix would invite reading
    /// its rows as documents per gold class, which they are not.
    /// </summary>
    public static string MatrixTitle(string task) => IsMultiLabel(task)
        ? "Pooled label co-occurrence (rows gold label, columns predicted label; a document counts in every pair of its label sets)"
        : "Pooled confusion matrix (rows gold, columns predicted)";

    private static void WriteEdsNlp(IAnsiConsole console, PooledResultDocument result)
    {
        // The attribute, code and fragment figures first: like EDS-NLP's, they exist only when the spec asked them.
        WriteQualifiers(console, result);
        var rows = ReleaseNotes.EdsNlpRows(result);
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Title("EDS-NLP metrics (micro)").AddColumns("site", "metric", "precision [[95% CI]]", "recall [[95% CI]]", "F1 [[95% CI]]", "privacy");
        foreach (var row in rows)
        {
            var site = row.Site == "pooled" && result.Pooled is not null ? "[bold]pooled[/]" : TerminalMarkup.Escape(row.Site);
            table.AddRow(site, row.Metric, TerminalMarkup.Escape(row.Precision), TerminalMarkup.Escape(row.Recall), TerminalMarkup.Escape(row.F1), TerminalMarkup.Escape(row.Privacy));
        }

        console.Write(table);
    }

    /// <summary>The robustness suite per site and pooled (<see cref="Partages.Evaluation.Robustness.RobustnessRows"/>); nothing when the spec listed none.</summary>
    private static void WriteRobustness(IAnsiConsole console, PooledResultDocument result)
    {
        var rows = Partages.Evaluation.Robustness.RobustnessRows.From(result);
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Title("Robustness (perturbed against clean; McNemar's exact test on the discordant units)")
            .AddColumns([.. Partages.Evaluation.Robustness.RobustnessRows.Headings.Select(TerminalMarkup.Escape)]);
        foreach (var row in rows)
        {
            var site = row.Site == "pooled" ? "[bold]pooled[/]" : TerminalMarkup.Escape(row.Site);
            table.AddRow([site, .. new[] { row.Perturbation, row.Reports, row.Accuracy, row.MicroF1, row.MacroF1, row.Discordant, row.McNemarP, row.Privacy }.Select(TerminalMarkup.Escape)]);
        }

        console.Write(table);
    }

    private static string[] Row(string site, ResultDocument document, IReadOnlyList<string> labels) =>
    [
        site,
        document.NDocuments.ToString(CultureInfo.InvariantCulture),
        // Escaped: an interval's brackets would read as Spectre markup.
        TerminalMarkup.Escape(WithInterval(document.Accuracy, document.Intervals?.Accuracy)),
        F(document.Macro.Precision),
        F(document.Macro.Recall),
        TerminalMarkup.Escape(WithInterval(document.Macro.F1, document.Intervals?.MacroF1)),
        TerminalMarkup.Escape(PrivacyLabel(document)),
        .. labels.Select(l => document.PerClass.TryGetValue(l, out var m) ? TerminalMarkup.Escape(WithInterval(m.F1, document.Intervals?.PerClass.GetValueOrDefault(l)?.F1)) : "-"),
    ];

    private static void WriteQualifiers(IAnsiConsole console, PooledResultDocument result)
    {
        var rows = QualifierReleaseNotes.Rows(result);
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Title("Attributes, codes and fragments (on matched spans)").AddColumns("site", "metric", "scope", "figures [[95% CI]]", "privacy");
        foreach (var row in rows)
        {
            var site = row.Site == "pooled" && result.Pooled is not null ? "[bold]pooled[/]" : TerminalMarkup.Escape(row.Site);
            table.AddRow(site, TerminalMarkup.Escape(row.Metric), TerminalMarkup.Escape(row.Scope), TerminalMarkup.Escape(row.Figures), TerminalMarkup.Escape(row.Privacy));
        }

        console.Write(table);
    }

    /// <summary>A ratio without a denominator is "not estimable", never printed as 0 or 1.</summary>
    private static string F(double? value) => ReleaseNotes.Figure(value);

    private static string StateName(RunState state) => state switch
    {
        RunState.AwaitingApproval => "awaiting_approval",
        RunState.NotParticipating => "not_participating",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string State(EvaluationState state) => state switch
    {
        EvaluationState.Completed => "[green]completed[/]",
        EvaluationState.Failed => "[red]failed[/]",
        EvaluationState.Cancelled => "[yellow]cancelled[/]",
        _ => state.ToString().ToLowerInvariant(),
    };
}
