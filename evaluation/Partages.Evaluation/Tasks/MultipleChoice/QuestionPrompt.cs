using System.Text;
using Partages.Evaluation.Tasks.GenerativeExtraction;

namespace Partages.Evaluation.Tasks.MultipleChoice;

/// <summary>
/// A multiple-choice prompt template: <c>{{question}}</c> and <c>{{options}}</c> are required, <c>{{context}}</c>
/// (a report the question is about) is optional; any other placeholder is refused at submission and when a bundle is
/// read. <c>{{options}}</c> is written one option a line, <c>A. text</c>, in letter order.
/// </summary>
public static class QuestionPrompt
{
    public const string Question = "question";
    public const string Options = "options";
    public const string Context = "context";

    public static IReadOnlyList<string> Known { get; } = [Question, Options, Context];

    public static IReadOnlyList<string> Problems(string? template) => PromptTemplate.Problems(template, Known, [Question, Options]);

    /// <summary>The options as the prompt shows them: <c>A. text</c>, one a line, in letter order.</summary>
    public static string RenderOptions(IReadOnlyList<KeyValuePair<string, string>> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder();
        foreach (var (letter, option) in options.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            text.Append(text.Length == 0 ? "" : "\n").Append(letter).Append(". ").Append(option);
        }

        return text.ToString();
    }

    /// <summary>The template filled with one question; <paramref name="context"/> empty when the question has none.</summary>
    public static string Fill(string template, string question, IReadOnlyList<KeyValuePair<string, string>> options, string context) =>
        PromptTemplate.Fill(template, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Question] = question,
            [Options] = RenderOptions(options),
            [Context] = context,
        });
}
