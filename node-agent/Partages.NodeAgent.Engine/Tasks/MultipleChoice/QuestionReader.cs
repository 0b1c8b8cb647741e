using System.Text.Json;
using System.Text.Unicode;

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
internal sealed class QuestionReader : IDocumentReader
{
    private readonly Utf8LineReader _lines;
    private readonly IReadOnlyList<string> _letters;
    private readonly SeenIds _seen = new();

    public QuestionReader(Stream stream, IReadOnlyList<string> letters, int maxLineBytes)
    {
        _lines = new Utf8LineReader(stream, maxLineBytes);
        _letters = letters;
    }

    public long DocumentsRead { get; private set; }

    public SkipTally Skipped { get; } = new();

    /// <summary>The question <see cref="TryRead"/> last returned.</summary>
    public McqQuestion? Current { get; private set; }

    public bool TryRead(out LabeledDocument document)
    {
        while (_lines.ReadLine(out var line, out var tooLong))
        {
            if (tooLong)
            {
                DocumentsRead++;
                Skipped.Add(SkipKinds.LineTooLong);
                continue;
            }

            if (!JsonlDocumentReader.HasContent(line))
            {
                continue;
            }

            DocumentsRead++;
            var skip = Classify(line, out document);
            if (skip is null)
            {
                return true;
            }

            Skipped.Add(skip);
        }

        document = default;
        Current = null;
        return false;
    }

    private string? Classify(ReadOnlySpan<byte> line, out LabeledDocument document)
    {
        document = default;
        if (!Utf8.IsValid(line))
        {
            return SkipKinds.InvalidUtf8;
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException)
        {
            return SkipKinds.MalformedJson;
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("question", out var question) || question.ValueKind != JsonValueKind.String
                || (root.TryGetProperty("id", out var id) && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
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

            var identifier = root.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString() : null;
            if (identifier is not null && !_seen.Add(identifier))
            {
                return SkipKinds.DuplicateId;
            }

            var contextText = root.TryGetProperty("context", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : string.Empty;
            Current = new McqQuestion(text, options!, contextText, gold!);
            document = new LabeledDocument(text, -1, [.. gold!.Select(g => IndexOf(g))]) { Id = identifier };
            return null;
        }
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
