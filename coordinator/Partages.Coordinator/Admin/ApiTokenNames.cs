using System.Text.RegularExpressions;

namespace Partages.Coordinator.Admin;

/// <summary>API token names name the owner of evaluations: a user or service name.</summary>
public static partial class ApiTokenNames
{
    public const string Rule = "1-64 characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex Pattern();
}
