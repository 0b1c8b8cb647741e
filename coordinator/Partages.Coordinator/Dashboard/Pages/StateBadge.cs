namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// How a state looks: a word and a symbol as well as a colour, so it reads without colour vision and from
/// across the room. The same table drives the server-rendered pages and dashboard.js (data-state attributes).
/// </summary>
public static class StateBadge
{
    private static readonly Dictionary<string, (string Label, string Symbol, string Tone)> States = new(StringComparer.Ordinal)
    {
        ["queued"] = ("Queued", "…", "waiting"),
        ["awaiting_approval"] = ("Awaiting approval", "⏸", "waiting"),
        ["not_participating"] = ("Not participating", "○", "muted"),
        ["offered"] = ("Offered", "→", "waiting"),
        ["accepted"] = ("Accepted", "→", "active"),
        ["downloading"] = ("Downloading", "↓", "active"),
        ["running"] = ("Running", "▶", "active"),
        ["succeeded"] = ("Succeeded", "✓", "good"),
        ["completed"] = ("Completed", "✓", "good"),
        ["failed"] = ("Failed", "✕", "bad"),
        ["rejected"] = ("Rejected", "⊘", "bad"),
        ["cancelled"] = ("Cancelled", "■", "muted"),
        ["online"] = ("Online", "●", "good"),
        // A node, or a run waiting for its node that was offline at submission: the same word either way.
        ["offline"] = ("Offline", "○", "bad"),
        ["revoked"] = ("Revoked", "⊘", "muted"),
    };

    public static string Label(string state) => States.TryGetValue(state, out var s) ? s.Label : state;

    public static void Write(Html html, string state, string? id = null)
    {
        var (label, symbol, tone) = States.TryGetValue(state, out var s) ? s : (state, "•", "muted");
        html.Open("span", ("class", $"badge tone-{tone}"), ("data-state", state), ("id", id))
            .Element("span", symbol, ("class", "badge-symbol"), ("aria-hidden", "true"))
            .Element("span", label, ("class", "badge-label"))
            .Close("span");
    }
}
