using System.Text.RegularExpressions;

namespace Partages.Coordinator.Enrollment;

/// <summary>Node names are slugs (they become certificate CNs and appear in results): lowercase letters, digits, '-' or '_'.</summary>
public static partial class NodeNames
{
    public const string Rule = "1-64 characters of lowercase letters, digits, '-' or '_', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex Pattern();
}
