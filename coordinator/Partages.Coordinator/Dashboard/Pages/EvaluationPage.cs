using Partages.Coordinator.ReadModel;
using System.Globalization;
using Partages.Coordinator.Api;
using Partages.Coordinator.Dashboard.Charts;
using Partages.Coordinator.Dashboard.Results;
using Partages.Coordinator.Evaluators;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// One evaluation: live per-node progress (dashboard.js follows the API's server-sent events), each run's state
/// history and failure reason, the results with their plots once final, and what each node released.
/// </summary>
public static class EvaluationPage
{
    public static string Render(EvaluationView evaluation, DateTimeOffset now, EvaluatorIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var html = new Html();
        html.Open("div", ("class", "page-head"))
            .Open("p", ("class", "crumbs")).Element("a", "Evaluations", ("href", DashboardEndpoints.Root + "/evaluations")).Text(" / ").Element("span", evaluation.Id, ("class", "mono")).Close("p")
            .Open("h1").Text(evaluation.Name).Text(" ");
        StateBadge.Write(html, evaluation.State, "evaluation-state");
        html.Close("h1")
            .Element("p", $"Updated {Html.Instant(now)}", ("class", "page-meta"))
            .Close("div");
        if (evaluation.Reason.Length > 0)
        {
            html.Open("p", ("class", "callout"), ("id", "evaluation-reason")).Element("strong", "Reason: ").Text(evaluation.Reason).Close("p");
        }

        html.Open("dl", ("class", "facts"));
        Fact(html, "Task", evaluation.Task);
        Fact(html, "Dataset", evaluation.Dataset);
        Fact(html, "Labels", string.Join(", ", evaluation.Labels));
        Fact(html, "Owner", evaluation.Owner);
        Fact(html, "Submitted", Html.Instant(evaluation.CreatedAt));
        Fact(html, "Finished", evaluation.CompletedAt is { } c ? Html.Instant(c) : "—");
        Fact(html, "Minimum sites", evaluation.MinSites.ToString(CultureInfo.InvariantCulture));
        Fact(html, "Model bundle SHA-256", evaluation.ModelBundleSha256.Length > 0 ? evaluation.ModelBundleSha256 : "none (the task runs no model)", mono: evaluation.ModelBundleSha256.Length > 0);
        Fact(html, "Spec SHA-256", evaluation.SpecSha256, mono: true);
        html.Close("dl");

        Progress(html, evaluation);
        if (evaluation.PooledResultJson.Length > 0 && QcComparisonSection.TryRender(html, evaluation.PooledResultJson))
        {
            // A dataset QC: the sites' datasets side by side, no metrics (no model ran).
        }
        else if (evaluation.PooledResultJson.Length > 0)
        {
            ResultsSection(html, ResultsAnalysis.From(evaluation.PooledResultJson));
        }
        else
        {
            html.Open("section", ("aria-labelledby", "results-title"), ("class", "panel"))
                .Element("h2", "Results", ("id", "results-title"))
                .Element("p", "Results appear here when every node has finished; this page reloads itself then.", ("class", "empty"))
                .Close("section");
        }

        Released(html, evaluation);
        return Layout.Page(evaluation.Name, Layout.Section.Evaluations, caller, html.ToString(), "evaluation");
    }

    private static void Fact(Html html, string term, string value, bool mono = false) =>
        html.Open("div").Element("dt", term).Element("dd", value, ("class", mono ? "mono hash" : null)).Close("div");

    private static void Progress(Html html, EvaluationView evaluation)
    {
        html.Open("section", ("aria-labelledby", "progress-title"), ("class", "panel"), ("id", "progress"),
                ("data-evaluation-id", evaluation.Id), ("data-events", $"{ApiEndpoints.Prefix}/evaluations/{Uri.EscapeDataString(evaluation.Id)}/events"),
                ("data-final", evaluation.State == "running" ? "false" : "true"))
            .Element("h2", "Progress by node", ("id", "progress-title"))
            .Element("p", "Live: updates as the nodes report, without reloading.", ("class", "help"), ("id", "live-status"), ("aria-live", "polite"))
            .Open("div", ("class", "runs"));
        foreach (var run in evaluation.Runs)
        {
            html.Open("article", ("class", "run"), ("data-run-id", run.Id), ("data-node", run.NodeName), ("aria-labelledby", $"run-{run.Id}-name"))
                .Open("header", ("class", "run-head"))
                .Element("h3", run.NodeName, ("id", $"run-{run.Id}-name"));
            StateBadge.Write(html, run.State);
            html.Close("header")
                .Open("progress", ("class", "run-progress"), ("max", Math.Max(run.Total, 1).ToString(CultureInfo.InvariantCulture)),
                    ("value", run.Done.ToString(CultureInfo.InvariantCulture)), ("aria-label", $"Documents evaluated at {run.NodeName}"))
                .Close("progress")
                .Element("p", ProgressText(run.Done, run.Total, run.ProgressUnit), ("class", "run-count"))
                .Element("p", run.Reason, ("class", "run-reason"), ("hidden", run.Reason.Length == 0 ? "hidden" : null))
                .Element("p", WaitingText(run.WaitingSince), ("class", "run-waiting"), ("data-since", run.WaitingSince is { } since ? Html.IsoInstant(since) : null),
                    ("hidden", run.WaitingSince is null ? "hidden" : null))
                .Element("h4", "State history", ("class", "history-title"))
                .Open("ol", ("class", "history"));
            foreach (var change in run.History)
            {
                html.Open("li")
                    .Element("time", change.At.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), ("datetime", Html.IsoInstant(change.At)))
                    .Text(" ")
                    .Element("span", StateBadge.Label(change.State), ("class", "history-state"))
                    .Element("span", change.Reason.Length == 0 ? "" : " — " + change.Reason, ("class", "history-reason"))
                    .Close("li");
            }

            html.Close("ol").Close("article");
        }

        html.Close("div").Close("section");
    }

    /// <summary>Since when a run waits (for a slot, its node or the hospital's approval); dashboard.js adds how long.</summary>
    public static string WaitingText(DateTimeOffset? since) =>
        since is { } at ? $"waiting since {at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : "";

    /// <summary>The words under a progress bar; dashboard.js writes the same.</summary>
    public static string ProgressText(long done, long total, string unit) =>
        total <= 0 || unit.Length == 0 ? "waiting for the node to start"
        : unit == "bytes" ? $"downloading the model: {Html.Count(done)} / {Html.Count(total)} bytes · {(double)done / total:0%}"
        : $"{Html.Count(done)} / {Html.Count(total)} documents · {(double)done / total:0%}";

    private static void ResultsSection(Html html, ResultsAnalysis? results)
    {
        html.Open("section", ("aria-labelledby", "results-title"), ("class", "panel"), ("id", "results"))
            .Element("h2", "Results", ("id", "results-title"));
        if (results is null)
        {
            html.Element("p", "The pooled result could not be read by this coordinator version.", ("class", "empty")).Close("section");
            return;
        }

        if (results.Missing.Count > 0)
        {
            html.Open("ul", ("class", "missing"));
            foreach (var missing in results.Missing)
            {
                html.Open("li").Element("strong", missing.Site).Text(" not included: " + missing.Reason).Close("li");
            }

            html.Close("ul");
        }

        html.Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data results-table"))
            .Element("caption", results.IsEntityRecognition
                ? "Per site and pooled, seqeval's strict mode over words (IOB2): accuracy is the share of words tagged right, F1 is over entities; the pooled row is computed on the sum of the sites' counts. Accuracy intervals are Wilson 95%."
                : results.IsPrivate
                    ? "Per site and pooled, differentially private: every count carries noise, each figure is estimated from the noisy counts and its 95% interval includes the noise; the pooled row is computed on the sum of the sites' noisy matrices."
                    : "Per site and pooled (the pooled row is computed on the sum of the sites' confusion matrices: the metrics of all documents together). Accuracy intervals are Wilson 95%.")
            .Open("thead").Open("tr");
        foreach (var heading in new[] { "Site", "Documents", "Accuracy [95% CI]", "Macro F1", "Micro F1", "Weighted F1", "Privacy" })
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var row in results.Sites)
        {
            SiteRow(html, row, pooled: false);
        }

        if (results.Pooled is { } pooledRow)
        {
            SiteRow(html, pooledRow, pooled: true);
        }

        html.Close("tbody").Close("table").Close("div");
        if (results.Notes.Count > 0)
        {
            html.Open("ul", ("class", "release-notes"), ("id", "release-notes"));
            foreach (var note in results.Notes)
            {
                html.Element("li", note);
            }

            html.Close("ul");
        }

        if (results.Entities is { } entities)
        {
            EntitySections(html, entities);
        }

        RobustnessTable.Write(html, results.Robustness);
        GenerativeSectionView.Write(html, results);
        MultipleChoiceSectionView.Write(html, results);

        html.Element("h3", results.IsEntityRecognition ? "F1 per entity type across sites (seqeval, strict)" : "F1 per class across sites")
            .Element("p", "Each site's F1 with its 95% interval (delta method); the diamond is the DerSimonian–Laird random-effects estimate across sites, a mean over hospitals rather than the F1 of all documents together.", ("class", "help"))
            .Open("div", ("class", "forests"));
        for (var i = 0; i < results.Forests.Count; i++)
        {
            var forest = results.Forests[i];
            html.Open("figure", ("class", "figure"))
                .Raw(ForestPlot.Render(forest, $"forest-{i}"))
                .Open("figcaption");
            html.Text(forest.Pooled is { } p
                ? $"{forest.Label}: pooled F1 {Html.Metric(p.Estimate)}, heterogeneity I² = {p.ISquared * 100:0}% (Q = {p.Q:0.00} on {p.DegreesOfFreedom} df), τ² = {p.TauSquared:0.0000}."
                : $"{forest.Label}: pooled estimate {forest.PooledNote}.");
            foreach (var left in forest.Sites.Where(r => r.Note is not null))
            {
                html.Text($" {left.Site}: {left.Note}.");
            }
            html.Close("figcaption").Close("figure");
        }

        if (results.IsSecureSum)
        {
            // No per-site figure exists in a pooled-only evaluation: say so rather than show an empty plot.
            html.Element("p", $"Forest plots and heterogeneity: {Partages.Evaluation.Results.SecureSumSection.NotAvailable} (the figures above are a secure sum).", ("class", "empty"));
        }

        html.Close("div");

        html.Open("div", ("class", "two-up"));
        html.Open("figure", ("class", "figure")).Element("h3", results.IsEntityRecognition ? "Pooled confusion of entity types (same boundaries)" : "Pooled confusion matrix");
        if (results.PooledMatrix is { } matrix)
        {
            html.Raw(ConfusionHeatmap.Render(results.Labels, matrix, "heatmap"));
        }
        else
        {
            html.Element("p", "No site succeeded, so there is no pooled matrix.", ("class", "empty"));
        }

        html.Close("figure");
        html.Open("figure", ("class", "figure"), ("id", "roc")).Element("h3", "Pooled ROC curves");
        if (results.Roc is { Count: > 0 } roc)
        {
            html.Raw(RocChart.Render(roc, "roc-chart"));
        }
        else if (results.NoisyAuroc is { Count: > 0 } noisy)
        {
            // Under differential privacy the histograms are noisy counts on a coarse grid: the AUROC and its interval, no curve.
            html.Open("table", ("class", "data"), ("id", "noisy-auroc"))
                .Element("caption", "Pooled AUROC per class, one vs rest, from the noisy score histograms; the 95% interval includes the noise.")
                .Open("thead").Open("tr").Element("th", "Class", ("scope", "col")).Element("th", "AUROC [95% CI]", ("scope", "col")).Close("tr").Close("thead").Open("tbody");
            foreach (var row in noisy)
            {
                html.Open("tr").Element("th", row.Label, ("scope", "row"))
                    .Element("td", row.Auroc is null ? Html.Metric(null) : $"{Html.Metric(row.Auroc)} [{Html.Metric(row.CiLow)}, {Html.Metric(row.CiHigh)}]", ("class", "num"))
                    .Close("tr");
            }

            html.Close("tbody").Close("table");
        }
        else if (results.IsEntityRecognition)
        {
            html.Element("p", "ROC curve not available for this result: entity recognition releases no scores (it is judged on spans).", ("class", "empty"), ("id", "roc-unavailable"));
        }
        else
        {
            html.Element("p", "ROC curve not available for this result: the sites released no score histograms.", ("class", "empty"), ("id", "roc-unavailable"));
        }

        html.Close("figure").Close("div").Close("section");
    }

    /// <summary>
    /// Entity recognition: nervaluate's four schemes per entity type, pooled, as bars (with the same figures and
    /// their counts in a table under each chart), then F1 per site and scheme. A result whose schemes section did
    /// not come through says "not released" rather than showing zeros.
    /// </summary>
    private static void EntitySections(Html html, EntityAnalysis entities)
    {
        html.Open("section", ("id", "entities"), ("aria-labelledby", "entities-title"))
            .Element("h3", "Entities per type, by scheme (pooled)", ("id", "entities-title"))
            .Element("p", "nervaluate's four schemes over character spans (SemEval-2013 9.1): each predicted entity is judged against the annotation. Pooled figures are computed on the sum of the sites' counts, so they are those of all documents together. A ratio with nothing to divide by is shown as undefined.", ("class", "help"))
            .Element("p", entities.MatchingNote, ("class", "help"), ("id", "entities-matching"), ("data-matching", entities.Matching));
        if (entities.Pooled is not { } pooled)
        {
            html.Open("p", ("class", "callout"), ("id", "entities-not-released"))
                .Element("strong", "Entity-level figures not released. ")
                .Text($"Strict, exact, partial and type: {entities.PooledNote}.")
                .Close("p");
        }
        else
        {
            html.Open("div", ("class", "scheme-grid"));
            foreach (var scheme in pooled)
            {
                var (title, rule) = EntityAnalysis.SchemeNames[scheme.Scheme];
                var id = $"entity-bars-{scheme.Scheme}";
                html.Open("figure", ("class", "figure"), ("data-scheme", scheme.Scheme))
                    .Element("h4", $"{title} — {rule}", ("class", "scheme-title"))
                    .Raw(EntityBars.Render(scheme, id))
                    .Open("details", ("class", "chart-table"))
                    .Element("summary", $"{title}: the figures as a table")
                    // Wider than its half of the screen: a region that scrolls must take the focus, or a keyboard cannot scroll it.
                    .Open("div", ("class", "table-wrap"), ("tabindex", "0"), ("role", "region"), ("aria-label", $"{title} scheme, as a table"))
                    .Open("table", ("class", "data entity-table"), ("data-scheme", scheme.Scheme))
                    .Element("caption", $"{title} scheme, pooled: outcomes per entity type, then precision, recall and F1.")
                    .Open("thead").Open("tr");
                foreach (var heading in new[] { "Entity type", "Correct", "Incorrect", "Partial", "Missed", "Spurious", "Precision", "Recall", "F1" })
                {
                    html.Element("th", heading, ("scope", "col"));
                }

                html.Close("tr").Close("thead").Open("tbody");
                foreach (var row in scheme.Types.Append(scheme.Overall))
                {
                    var m = row.Metrics;
                    html.Open("tr", ("class", ReferenceEquals(row, scheme.Overall) ? "pooled-row" : null))
                        .Element("th", row.Type, ("scope", "row"));
                    foreach (var count in new[] { m.Correct, m.Incorrect, m.Partial, m.Missed, m.Spurious })
                    {
                        html.Element("td", Html.Count(count), ("class", "num"));
                    }

                    html.Element("td", Undefined(row.Precision), ("class", "num"))
                        .Element("td", Undefined(row.Recall), ("class", "num"))
                        .Element("td", Undefined(row.F1), ("class", "num"))
                        .Close("tr");
                }

                html.Close("tbody").Close("table").Close("div").Close("details").Close("figure");
            }

            html.Close("div");
        }

        html.Element("h3", "Entity F1 per site, by scheme")
            .Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data entity-sites-table"))
            .Element("caption", "Each site's own F1 per entity type under each scheme, as its node released it.")
            .Open("thead").Open("tr")
            .Element("th", "Site", ("scope", "col"))
            .Element("th", "Entity type", ("scope", "col"));
        foreach (var scheme in Partages.Evaluation.Metrics.NerSchemes.All)
        {
            html.Element("th", EntityAnalysis.SchemeNames[scheme].Title + " F1", ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var site in entities.Sites)
        {
            if (site.Schemes is not { } schemes)
            {
                html.Open("tr", ("data-site", site.Site))
                    .Element("th", site.Site, ("scope", "row"))
                    .Element("td", "not released: this site's result carries no schemes section", ("colspan", (1 + Partages.Evaluation.Metrics.NerSchemes.All.Count).ToString(CultureInfo.InvariantCulture)), ("class", "muted"))
                    .Close("tr");
                continue;
            }

            var types = entities.Types.Append(EntityAnalysis.OverallRow).ToList();
            for (var t = 0; t < types.Count; t++)
            {
                html.Open("tr", ("data-site", site.Site), ("class", t == types.Count - 1 ? "site-overall" : null));
                if (t == 0)
                {
                    html.Element("th", site.Site, ("scope", "rowgroup"), ("rowspan", types.Count.ToString(CultureInfo.InvariantCulture)));
                }

                html.Element("td", types[t]);
                foreach (var scheme in schemes)
                {
                    var row = t < scheme.Types.Count ? scheme.Types[t] : scheme.Overall;
                    html.Element("td", Undefined(row.F1), ("class", "num"), ("data-scheme", scheme.Scheme));
                }

                html.Close("tr");
            }
        }

        html.Close("tbody").Close("table").Close("div");
        EntityMetricTables.EdsNlp(html, entities.EdsNlp);
        EntityMetricTables.Qualifiers(html, entities.Qualifiers);
        html.Close("section");
    }

    private static string Undefined(double? value) => value is { } v ? Html.Metric(v) : "undefined";

    private static void SiteRow(Html html, SiteRow row, bool pooled)
    {
        html.Open("tr", ("class", pooled ? "pooled-row" : null))
            .Element("th", row.Site, ("scope", "row"))
            .Element("td", Html.Count(row.Documents), ("class", "num"))
            .Element("td", Html.MetricWithInterval(row.Accuracy, row.AccuracyCi?.Lower, row.AccuracyCi?.Upper), ("class", "num"))
            .Element("td", Html.Metric(row.MacroF1), ("class", "num"))
            .Element("td", Html.Metric(row.MicroF1), ("class", "num"))
            .Element("td", Html.Metric(row.WeightedF1), ("class", "num"))
            .Element("td", row.Privacy)
            .Close("tr");
    }

    private static void Released(Html html, EvaluationView evaluation)
    {
        html.Open("section", ("aria-labelledby", "released-title"), ("class", "panel"), ("id", "released"))
            .Element("h2", "What each node released", ("id", "released-title"))
            .Element("p", "The SHA-256 of each released payload, as the node's own hash-chained audit log records it (audit/audit.jsonl, event result_released): compare them to check that what arrived is what the hospital let out.", ("class", "help"))
            .Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data released-table"))
            .Open("thead").Open("tr");
        foreach (var heading in new[] { "Node", "Run", "State", "Payload SHA-256", "Privacy", "Received" })
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var run in evaluation.Runs)
        {
            var received = run.History.LastOrDefault(h => h.State == "succeeded");
            html.Open("tr", ("data-run-id", run.Id))
                .Element("th", run.NodeName, ("scope", "row"))
                .Element("td", run.Id, ("class", "mono"))
                .Open("td");
            StateBadge.Write(html, run.State);
            html.Close("td")
                .Element("td", run.ResultSha256 ?? "nothing released", ("class", run.ResultSha256 is null ? "muted" : "mono hash"))
                .Element("td", run.ResultSha256 is null ? "—" : run.Epsilon is { } e ? string.Create(CultureInfo.InvariantCulture, $"DP ε {e:0.##}") : "exact counts", ("class", "num"))
                .Element("td", received is null ? "—" : Html.Instant(received.At))
                .Close("tr");
        }

        html.Close("tbody").Close("table").Close("div").Close("section");
    }
}
