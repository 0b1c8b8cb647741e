using System.Text.RegularExpressions;

namespace Partages.Evaluation.Tasks.GenerativeExtraction;

/// <summary>
/// A prompt template: free text with placeholders in double braces (<c>{{report}}</c> for generative extraction,
/// <c>{{question}}</c> and <c>{{options}}</c> for multiple-choice QA) so single braces (the JSON the prompt shows or
/// opens) stay literal. A placeholder the task does not know is refused, at submission (spec) and when a bundle is
/// read (manifest), never discovered on the first document.
/// </summary>
public static partial class PromptTemplate
{
    public const string Report = "report";

    /// <summary>Every problem with a generative extraction's <paramref name="template"/>: unknown placeholders (named), or no <c>{{report}}</c>.</summary>
    public static IReadOnlyList<string> Problems(string? template) => Problems(template, [Report], [Report]);

    /// <summary>
    /// Every problem with <paramref name="template"/> for a task whose placeholders are <paramref name="known"/>: each
    /// unknown placeholder (named), each of <paramref name="required"/> missing.
    /// </summary>
    public static IReadOnlyList<string> Problems(string? template, IReadOnlyList<string> known, IReadOnlyList<string> required)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(required);
        var problems = new List<string>();
        if (string.IsNullOrEmpty(template))
        {
            problems.Add("is empty");
            return problems;
        }

        var names = Placeholder().Matches(template).Select(m => m.Groups[1].Value).ToList();
        var list = string.Join(", ", known.Select(k => $"{{{{{k}}}}}"));
        foreach (var unknown in names.Where(n => !known.Contains(n, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal))
        {
            problems.Add($"has the unknown placeholder '{{{{{unknown}}}}}' (known: {list})");
        }

        foreach (var missing in required.Where(r => !names.Contains(r, StringComparer.Ordinal)))
        {
            problems.Add($"has no {{{{{missing}}}}} placeholder, so the model would never see the {missing}");
        }

        return problems;
    }

    /// <summary>The template with every <c>{{report}}</c> (spaces inside the braces allowed) replaced by <paramref name="report"/>.</summary>
    public static string Fill(string template, string report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Fill(template, new Dictionary<string, string>(StringComparer.Ordinal) { [Report] = report });
    }

    /// <summary>The template with each placeholder named in <paramref name="values"/> replaced by its value; others stay as written.</summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        // An evaluator: the values' own text is never read as a substitution pattern.
        return Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);
    }

    /// <summary>The template with every placeholder removed: the part of each prompt that never changes (its least length).</summary>
    public static string Blank(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return Placeholder().Replace(template, string.Empty);
    }

    [GeneratedRegex(@"\{\{\s*([^{}]*?)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
