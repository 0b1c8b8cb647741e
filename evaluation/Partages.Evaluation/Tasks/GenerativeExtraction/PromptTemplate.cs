using System.Text.RegularExpressions;

namespace Partages.Evaluation.Tasks.GenerativeExtraction;

/// <summary>
/// A prompt template: free text with <c>{{report}}</c> where the report goes. Placeholders are written with double
/// braces so single braces (the JSON the prompt shows or opens) stay literal. Any other <c>{{name}}</c> is refused,
/// at submission (spec) and when a bundle is read (manifest), never discovered on the first document.
/// </summary>
public static partial class PromptTemplate
{
    public const string Report = "report";

    /// <summary>Every problem with <paramref name="template"/>: unknown placeholders (named), or no <c>{{report}}</c>.</summary>
    public static IReadOnlyList<string> Problems(string? template)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(template))
        {
            problems.Add("is empty");
            return problems;
        }

        var names = Placeholder().Matches(template).Select(m => m.Groups[1].Value).ToList();
        foreach (var unknown in names.Where(n => n != Report).Distinct(StringComparer.Ordinal))
        {
            problems.Add($"has the unknown placeholder '{{{{{unknown}}}}}' (known: {{{{{Report}}}}})");
        }

        if (!names.Contains(Report))
        {
            problems.Add($"has no {{{{{Report}}}}} placeholder, so the model would never see the report");
        }

        return problems;
    }

    /// <summary>The template with every <c>{{report}}</c> (spaces inside the braces allowed) replaced by <paramref name="report"/>.</summary>
    public static string Fill(string template, string report)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(report);
        // An evaluator: the report's own text is never read as a substitution pattern.
        return Placeholder().Replace(template, m => m.Groups[1].Value == Report ? report : m.Value);
    }

    [GeneratedRegex(@"\{\{\s*([^{}]*?)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
