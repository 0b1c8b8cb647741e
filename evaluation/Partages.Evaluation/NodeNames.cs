using System.Text.RegularExpressions;

namespace Partages.Evaluation;

/// <summary>
/// The one rule for node names, shared by the coordinator (enrollment tokens, a spec's or a request's <c>nodes</c>) and
/// the node agent (its node.yaml): a name the coordinator issues a token for is a name the agent accepts. Node names
/// become certificate CNs and appear in results, so they are slugs; 63 characters is a DNS label's limit, which keeps
/// a name usable as a host or service name on the hospital's side.
/// </summary>
public static partial class NodeNames
{
    public const int MaxLength = 63;

    /// <summary>How many nodes one evaluation may name: far above any federation, far below what YAML aliases expand to.</summary>
    public const int MaxTargets = 1000;

    public const string Rule = "1-63 characters of lowercase letters, digits, '-' or '_', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>
    /// Why a list of target nodes is refused, or null when every name follows the rule and there are at most
    /// <see cref="MaxTargets"/>. Names are not echoed in full (a list can be made of megabytes of them): the first
    /// offending position and a bounded prefix say enough to find it.
    /// </summary>
    public static string? ProblemWithTargets(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count > MaxTargets)
        {
            return $"lists {names.Count} nodes; at most {MaxTargets} may be named";
        }

        var invalid = names.Select((name, index) => (name, index)).Where(n => !IsValid(n.name)).ToList();
        if (invalid.Count == 0)
        {
            return null;
        }

        var (first, at) = invalid[0];
        var shown = first.Length > 20 ? first[..20] + "…" : first;
        return $"{invalid.Count} node name(s) do not follow the rule ({Rule}); the first is item {at + 1}, '{shown}' ({first.Length} characters)";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex Pattern();
}
