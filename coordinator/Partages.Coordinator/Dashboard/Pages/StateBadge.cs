using System.Text;
using System.Text.Json;
using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// How a state looks: a word and a symbol as well as a colour, so it reads without colour vision and from across the
/// room. Run and evaluation states come from <see cref="States"/>, node states are added here; dashboard.js receives
/// this same table, written into the script as the server serves it (<see cref="IntoScript"/>), so the two cannot drift.
/// </summary>
public static class StateBadge
{
    /// <summary>The spot in dashboard.js where the table goes.</summary>
    public const string ScriptMarker = "{} /* StateBadge.Table */";

    private static readonly (string Name, string Label, string Symbol, string Tone)[] NodeStates =
    [
        ("online", "Online", "●", "good"),
        // A node, or a run waiting for its node that was offline at submission: the same word either way.
        ("offline", "Offline", "○", "bad"),
        ("revoked", "Revoked", "⊘", "muted"),
    ];

    /// <summary>Every state the dashboard shows, by wire name. A name shared by two kinds (running, offline...) must look the same.</summary>
    public static IReadOnlyDictionary<string, (string Label, string Symbol, string Tone)> Table { get; } = Build();

    public static string Label(string state) => Table.TryGetValue(state, out var s) ? s.Label : state;

    public static void Write(Html html, string state, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(html);
        var (label, symbol, tone) = Table.TryGetValue(state, out var s) ? s : (state, "•", "muted");
        html.Open("span", ("class", $"badge tone-{tone}"), ("data-state", state), ("id", id))
            .Element("span", symbol, ("class", "badge-symbol"), ("aria-hidden", "true"))
            .Element("span", label, ("class", "badge-label"))
            .Close("span");
    }

    /// <summary>The table as dashboard.js reads it: <c>{"queued": ["Queued", "…", "waiting"], ...}</c>.</summary>
    public static string ScriptTable() =>
        JsonSerializer.Serialize(Table.ToDictionary(s => s.Key, s => new[] { s.Value.Label, s.Value.Symbol, s.Value.Tone }, StringComparer.Ordinal));

    /// <summary>dashboard.js as served: its <see cref="ScriptMarker"/> replaced by <see cref="ScriptTable"/>; other assets unchanged.</summary>
    /// <exception cref="InvalidDataException">dashboard.js lost its marker: the badges it draws would have no words.</exception>
    public static byte[] IntoScript(string assetName, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (assetName != "dashboard.js")
        {
            return bytes;
        }

        var script = Encoding.UTF8.GetString(bytes);
        if (!script.Contains(ScriptMarker, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"dashboard.js has no '{ScriptMarker}' for the state table.");
        }

        return Encoding.UTF8.GetBytes(script.Replace(ScriptMarker, ScriptTable(), StringComparison.Ordinal));
    }

    private static Dictionary<string, (string Label, string Symbol, string Tone)> Build()
    {
        var rows = States.Runs.All.Select(s => (s.Name, s.Label, s.Symbol, s.Tone))
            .Concat(States.Evaluations.All.Select(s => (s.Name, s.Label, s.Symbol, s.Tone)))
            .Concat(NodeStates);
        var table = new Dictionary<string, (string Label, string Symbol, string Tone)>(StringComparer.Ordinal);
        foreach (var (name, label, symbol, tone) in rows)
        {
            if (table.TryGetValue(name, out var seen) && seen != (label, symbol, tone))
            {
                throw new InvalidOperationException($"State '{name}' is shown two ways: {seen} and {(label, symbol, tone)}.");
            }

            table[name] = (label, symbol, tone);
        }

        return table;
    }
}
