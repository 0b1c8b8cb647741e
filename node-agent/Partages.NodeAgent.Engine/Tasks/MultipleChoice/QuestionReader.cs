using System.Text.Json;
using Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

namespace Partages.NodeAgent.Engine.Tasks.MultipleChoice;

/// <summary>One usable question: its text, its options by letter (in letter order), its optional context, its gold letters.</summary>
internal sealed record McqQuestion(string Question, IReadOnlyList<KeyValuePair<string, string>> Options, string Context, IReadOnlySet<string> Gold);

/// <summary>
/// Reads a multiple-choice dataset, FrenchMedMCQA style: JSON Lines with <c>id</c>, <c>question</c>, <c>options</c> (an
/// object letter → text) and <c>answers</c> (the right letters), optionally <c>context</c> (a report the question is
/// about). Letters may be written in either case (FrenchMedMCQA writes <c>a</c>–<c>e</c>); they are read uppercase.
/// Unusable lines are counted by kind: no question text <c>empty_text</c>; fewer than two options, or an empty
/// option, <c>no_options</c>; no answer <c>missing_label</c>; a letter the spec does not list <c>unknown_label</c>; a
/// gold letter the question does not offer <c>answer_not_offered</c>. Each usable question comes back as a
/// <see cref="LabeledDocument"/> (the question as text, the gold letters as indices into the spec's labels) so the
/// run's segments work as for every task; <see cref="Current"/> holds the whole question.
/// </summary>
internal sealed class QuestionReader(Stream stream, IReadOnlyList<string> letters, int maxLineBytes) : GenerativeLineReader(stream, maxLineBytes)
{
    private readonly IReadOnlyList<string> _letters = letters;

    /// <summary>The question <see cref="GenerativeLineReader.TryRead"/> last returned.</summary>
    public McqQuestion? Current { get; private set; }

    protected override string? Classify(JsonElement root, out LabeledDocument document)
    {
        document = default;
        if (!root.TryGetProperty("question", out var question) || question.ValueKind != JsonValueKind.String
            || (root.TryGetProperty("context", out var context) && context.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
        {
            return SkipKinds.MalformedJson;
        }

        var text = question.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return SkipKinds.EmptyText;
        }

        var (options, optionsSkip) = ReadOptions(root);
        if (optionsSkip is not null)
        {
            return optionsSkip;
        }

        var (gold, goldSkip) = ReadGold(root, options!);
        if (goldSkip is not null)
        {
            return goldSkip;
        }

        var contextText = context.ValueKind == JsonValueKind.String ? context.GetString()! : string.Empty;
        Current = new McqQuestion(text, options!, contextText, gold!);
        document = new LabeledDocument(text, -1, [.. gold!.Select(g => IndexOf(g))]);
        return null;
    }

    private (List<KeyValuePair<string, string>>? Options, string? Skip) ReadOptions(JsonElement root)
    {
        if (!root.TryGetProperty("options", out var options) || options.ValueKind != JsonValueKind.Object)
        {
            return (null, SkipKinds.NoOptions);
        }

        var read = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in options.EnumerateObject())
        {
            if (option.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(option.Value.GetString()))
            {
                return (null, SkipKinds.NoOptions);
            }

            var letter = option.Name.ToUpperInvariant();
            if (IndexOf(letter) < 0 || !read.TryAdd(letter, option.Value.GetString()!))
            {
                return (null, SkipKinds.UnknownLabel);
            }
        }

        return read.Count < 2 ? (null, SkipKinds.NoOptions) : ([.. read], null);
    }

    private (SortedSet<string>? Gold, string? Skip) ReadGold(JsonElement root, List<KeyValuePair<string, string>> options)
    {
        if (!root.TryGetProperty("answers", out var answers) || answers.ValueKind != JsonValueKind.Array || answers.GetArrayLength() == 0)
        {
            return (null, SkipKinds.MissingLabel);
        }

        var gold = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var answer in answers.EnumerateArray())
        {
            if (answer.ValueKind != JsonValueKind.String)
            {
                return (null, SkipKinds.MissingLabel);
            }

            var letter = answer.GetString()!.Trim().ToUpperInvariant();
            if (IndexOf(letter) < 0)
            {
                return (null, SkipKinds.UnknownLabel);
            }

            if (!options.Any(o => o.Key == letter))
            {
                return (null, SkipKinds.AnswerNotOffered);
            }

            gold.Add(letter);
        }

        return (gold, null);
    }

    private int IndexOf(string letter)
    {
        for (var i = 0; i < _letters.Count; i++)
        {
            if (_letters[i] == letter)
            {
                return i;
            }
        }

        return -1;
    }
}
