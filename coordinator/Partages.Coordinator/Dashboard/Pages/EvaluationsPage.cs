using Partages.Coordinator.Api;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.ReadModel;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>The evaluations, most recent first, filtered by state.</summary>
public static class EvaluationsPage
{
    private static readonly string[] Filters = ["", "running", "completed", "failed", "cancelled"];

    /// <summary>Where the page's live region gets its new content (server-sent events, see <see cref="LiveRegion"/>).</summary>
    public static string LivePath(string? state) =>
        DashboardEndpoints.Root + "/evaluations/live" + (state is { Length: > 0 } ? "?state=" + Uri.EscapeDataString(state) : "");

    public static string Render(IReadOnlyList<EvaluationSummaryView> evaluations, string? state, DateTimeOffset now, EvaluatorIdentity caller)
    {
        var html = new Html();
        html.Open("div", ("class", "page-head"))
            .Element("h1", "Evaluations")
            .Element("p", $"Updated {Html.Instant(now)}", ("class", "page-meta"), ("id", "live-status"))
            .Close("div")
            .Open("form", ("method", "get"), ("action", DashboardEndpoints.Root + "/evaluations"), ("class", "filter"))
            .Element("label", "State", ("for", "state-filter"))
            .Open("select", ("id", "state-filter"), ("name", "state"));
        foreach (var filter in Filters)
        {
            html.Element("option", filter.Length == 0 ? "All states" : StateBadge.Label(filter), ("value", filter), ("selected", string.Equals(filter, state ?? "", StringComparison.Ordinal) ? "selected" : null));
        }

        html.Close("select")
            .Element("button", "Apply filter", ("type", "submit"), ("class", "button"))
            .Close("form")
            .Open("div", ("id", "live-region"), ("data-live-source", LivePath(state)))
            .Raw(LiveRegion(evaluations, state))
            .Close("div");
        // The reload is only the fallback for a browser without EventSource: dashboard.js follows LivePath instead.
        return Layout.Page("Evaluations", Layout.Section.Evaluations, caller, html.ToString(), "evaluations", refreshSeconds: 30);
    }

    /// <summary>The part of the page that changes: the table (or the sentence saying it is empty). Sent again whenever an evaluation is submitted or changes.</summary>
    public static string LiveRegion(IReadOnlyList<EvaluationSummaryView> evaluations, string? state)
    {
        ArgumentNullException.ThrowIfNull(evaluations);
        var html = new Html();
        if (evaluations.Count == 0)
        {
            html.Element("p", state is { Length: > 0 } ? $"No evaluation is {state}." : "No evaluation has been submitted yet.", ("class", "empty"));
            return html.ToString();
        }

        html.Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data evaluations-table"))
            .Element("caption", "Most recent first.")
            .Open("thead").Open("tr");
        foreach (var heading in new[] { "Evaluation", "State", "Sites", "Documents", "Owner", "Submitted", "Finished" })
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var evaluation in evaluations)
        {
            html.Open("tr", ("data-evaluation", evaluation.Id), ("data-live-key", evaluation.Id))
                .Open("th", ("scope", "row"))
                .Element("a", evaluation.Name, ("href", DashboardEndpoints.EvaluationPath(evaluation.Id)))
                .Element("span", evaluation.Id, ("class", "sub mono"))
                .Close("th")
                .Open("td");
            StateBadge.Write(html, evaluation.State);
            html.Close("td")
                .Element("td", $"{evaluation.RunsSucceeded} succeeded · {evaluation.RunsFinal} of {evaluation.RunsTotal} final", ("class", "num"))
                .Element("td", evaluation.DocumentsTotal > 0 ? $"{Html.Count(evaluation.DocumentsDone)} / {Html.Count(evaluation.DocumentsTotal)}" : "—", ("class", "num"))
                .Element("td", evaluation.Owner)
                .Open("td").Element("time", Html.Instant(evaluation.CreatedAt), ("datetime", Html.IsoInstant(evaluation.CreatedAt))).Close("td")
                .Open("td");
            if (evaluation.CompletedAt is { } done)
            {
                html.Element("time", Html.Instant(done), ("datetime", Html.IsoInstant(done)));
            }
            else
            {
                html.Text("—");
            }

            html.Close("td").Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
        return html.ToString();
    }
}
