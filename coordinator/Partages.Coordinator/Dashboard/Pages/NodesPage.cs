using Partages.Coordinator.Api;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.ReadModel;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>Every enrolled hospital node: online or not, last heartbeat, versions, datasets, load, certificate expiry, audit anchor.</summary>
public static class NodesPage
{
    /// <summary>Where the page's live region gets its new content (server-sent events, see <see cref="LiveRegion"/>).</summary>
    public const string LivePath = DashboardEndpoints.Root + "/nodes/live";

    public static string Render(IReadOnlyList<NodeView> nodes, DateTimeOffset now, EvaluatorIdentity caller)
    {
        var html = new Html();
        html.Open("div", ("class", "page-head"))
            .Element("h1", "Nodes")
            .Element("p", $"Updated {Html.Instant(now)}", ("class", "page-meta"), ("id", "live-status"))
            .Close("div")
            .Open("div", ("id", "live-region"), ("data-live-source", LivePath))
            .Raw(LiveRegion(nodes, now))
            .Close("div");
        // The reload is only the fallback for a browser without EventSource: dashboard.js follows LivePath instead.
        return Layout.Page("Nodes", Layout.Section.Nodes, caller, html.ToString(), "nodes", refreshSeconds: 30);
    }

    /// <summary>The part of the page that changes: summary tiles and the table. Sent again whenever a node connects, goes, or sends a heartbeat, or a run changes.</summary>
    public static string LiveRegion(IReadOnlyList<NodeView> nodes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var online = nodes.Count(n => n.Online);
        var enrolled = nodes.Count(n => !n.Revoked);
        var html = new Html();
        html.Open("ul", ("class", "tiles"), ("aria-label", "Summary"))
            .Open("li", ("class", "tile")).Element("span", $"{online} / {enrolled}", ("class", "tile-value"), ("id", "nodes-online"))
            .Element("span", "nodes online", ("class", "tile-label")).Close("li")
            .Open("li", ("class", "tile")).Element("span", nodes.Sum(n => n.ActiveRuns).ToString(System.Globalization.CultureInfo.InvariantCulture), ("class", "tile-value"))
            .Element("span", "runs in progress", ("class", "tile-label")).Close("li")
            .Open("li", ("class", "tile")).Element("span", nodes.Sum(n => n.Datasets.Count).ToString(System.Globalization.CultureInfo.InvariantCulture), ("class", "tile-value"))
            .Element("span", "datasets exposed", ("class", "tile-label")).Close("li")
            .Close("ul");

        if (nodes.Count == 0)
        {
            html.Element("p", "No node is enrolled yet. An administrator creates an enrollment token with “admin enrollment-token”.", ("class", "empty"));
            return html.ToString();
        }

        html.Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data nodes-table"))
            .Element("caption", "Enrolled hospital nodes. Dataset sizes are rounded by each node before they leave it.")
            .Open("thead").Open("tr");
        foreach (var heading in new[] { "Node", "Status", "Last heartbeat", "Agent", "ONNX Runtime", "Datasets", "Load", "Certificate expires", "Audit log" })
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var node in nodes)
        {
            var status = node.Revoked ? "revoked" : node.Online ? "online" : "offline";
            html.Open("tr", ("data-node", node.Name), ("data-live-key", node.Name))
                .Element("th", node.Name, ("scope", "row"), ("class", "node-name"))
                .Open("td");
            StateBadge.Write(html, status);
            html.Close("td").Open("td");
            if (node.LastHeartbeat is { } seen)
            {
                html.Element("time", Html.Ago(seen, now), ("datetime", Html.IsoInstant(seen)), ("title", Html.Instant(seen)));
            }
            else
            {
                html.Text("never");
            }

            html.Close("td")
                .Element("td", Blank(node.AgentVersion), ("class", "mono"))
                .Element("td", Blank(node.OnnxruntimeVersion), ("class", "mono"))
                .Open("td");
            if (node.Datasets.Count == 0)
            {
                html.Text("none");
            }
            else
            {
                html.Open("ul", ("class", "datasets"));
                foreach (var dataset in node.Datasets)
                {
                    html.Open("li")
                        .Element("span", dataset.Name, ("class", "dataset-name"))
                        .Element("span", $" {dataset.Format} · ≈ {Html.Count(dataset.ApproximateDocuments)} documents", ("class", "dataset-size"))
                        .Close("li");
                }

                html.Close("ul");
            }

            var capacity = node.MaxConcurrentRuns > 0 ? $" of {node.MaxConcurrentRuns}" : "";
            html.Close("td")
                .Element("td", $"{node.ActiveRuns}{capacity} run(s)", ("class", "num"));
            WriteCertificateCell(html, node, now);
            WriteAuditCell(html, node);
            html.Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
        return html.ToString();
    }

    /// <summary>
    /// Expiry date and time left; flagged (and the row marked with data-certificate-soon) when under a quarter of the
    /// lifetime is left (<see cref="CertificateView.IsSoon"/>); when the node last renewed over its session.
    /// </summary>
    private static void WriteCertificateCell(Html html, NodeView node, DateTimeOffset now)
    {
        var left = node.CertificateNotAfter - now;
        var soon = node.Certificate?.ExpiresSoon ?? left < TimeSpan.FromDays(30);
        html.Open("td", ("class", soon ? "warn" : null), ("data-certificate-soon", soon ? "true" : "false"))
            .Element("time", node.CertificateNotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), ("datetime", Html.IsoInstant(node.CertificateNotAfter)))
            .Element("span", left <= TimeSpan.Zero ? " expired" : $" in {Html.Duration(left)}{(soon ? " — close to expiry: check the node's renewal" : "")}", ("class", "sub"));
        if (node.Certificate?.RenewedAt is { } renewed)
        {
            html.Element("span", $" renewed {Html.Ago(renewed, now)}", ("class", "sub"), ("title", Html.Instant(renewed)));
        }

        html.Close("td");
    }

    /// <summary>The anchored entry (#sequence, the hash in the tooltip) and, flagged, the last head the coordinator refused.</summary>
    private static void WriteAuditCell(Html html, NodeView node)
    {
        html.Open("td", ("class", node.AuditWarning is null ? "mono" : "mono warn"), ("data-audit-head", node.AuditHead?.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (node.AuditHead is { } head)
        {
            html.Element("span", $"#{head.Sequence}", ("title", $"entry SHA-256 {head.EntrySha256}"));
        }
        else
        {
            html.Text("—");
        }

        if (node.AuditWarning is { } warning)
        {
            html.Element("span", $" refused a head: {warning.Message}", ("class", "sub audit-warning"));
        }

        html.Close("td");
    }

    private static string Blank(string value) => value.Length == 0 ? "—" : value;
}
