using Partages.Coordinator.Evaluators;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>The frame of every page: skip link, header with the navigation and the signed-in token, main content.</summary>
public static class Layout
{
    public enum Section
    {
        None,
        Nodes,
        Evaluations,
    }

    public static string Page(string title, Section section, EvaluatorIdentity? caller, string body, string? pageKind = null, int? refreshSeconds = null)
    {
        var html = new Html();
        html.Raw("<!DOCTYPE html>")
            .Open("html", ("lang", "en"))
            .Open("head")
            .Void("meta", ("charset", "utf-8"))
            .Void("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1"))
            .Element("title", $"{title} · Partages coordinator")
            .Void("link", ("rel", "stylesheet"), ("href", DashboardEndpoints.AssetPath("dashboard.css")))
            .Raw($"<script src=\"{Html.Encode(DashboardEndpoints.AssetPath("dashboard.js"))}\" defer></script>")
            .Close("head")
            .Open("body", ("data-page", pageKind), ("data-refresh-seconds", refreshSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Element("a", "Skip to content", ("class", "skip-link"), ("href", "#main"))
            .Open("header", ("class", "site-header"))
            .Open("div", ("class", "brand"))
            .Element("span", "Partages", ("class", "brand-name"))
            .Element("span", "Federated validation · coordinator", ("class", "brand-sub"))
            .Close("div");
        if (caller is not null)
        {
            html.Open("nav", ("aria-label", "Main"))
                .Open("ul");
            NavItem(html, "Nodes", DashboardEndpoints.Root + "/nodes", section == Section.Nodes);
            NavItem(html, "Evaluations", DashboardEndpoints.Root + "/evaluations", section == Section.Evaluations);
            html.Close("ul").Close("nav")
                .Open("div", ("class", "session"))
                .Open("span", ("class", "session-who"))
                .Text(caller.Name)
                .Element("span", caller.Role.ToString().ToLowerInvariant(), ("class", "role"))
                .Close("span")
                .Open("form", ("method", "post"), ("action", DashboardEndpoints.Root + "/logout"))
                .Element("button", "Log out", ("type", "submit"), ("class", "button button-quiet"))
                .Close("form")
                .Close("div");
        }

        html.Close("header")
            .Open("main", ("id", "main"), ("tabindex", "-1"))
            .Raw(body)
            .Close("main")
            .Open("footer", ("class", "site-footer"))
            .Text("Partages · aggregated metrics only — no report text, identifier or per-document prediction ever leaves a hospital. All data shown here is fictional.")
            .Close("footer")
            .Close("body")
            .Close("html");
        return html.ToString();
    }

    private static void NavItem(Html html, string label, string href, bool current) =>
        html.Open("li").Element("a", label, ("href", href), ("aria-current", current ? "page" : null)).Close("li");
}
