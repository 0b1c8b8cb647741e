using System.Text;
using System.Text.Json;

namespace Partages.Evaluation.Tasks.MultipleChoice;

/// <summary>
/// What a multiple-choice answer must be: a JSON list of the chosen option letters, at least one, each once, in
/// alphabetical order, from the letters the question offers, in one canonical layout — <c>["A", "C"]</c> (a comma and a
/// space between letters, nothing else). Fixing the layout lets the engine constrain decoding with a byte-prefix
/// check (<see cref="IsPrefix"/>): every prefix it accepts can still be completed, so constrained decoding never meets
/// a dead end. <see cref="Parse"/> reads any JSON list of letters (any order, any spacing), so an unconstrained
/// decoder's output is scored the same way.
/// </summary>
public sealed class AnswerContract : GenerativeExtraction.ICanonicalLayout
{
    private const byte Open = (byte)'[';
    private const byte Quote = (byte)'"';
    private const byte Comma = (byte)',';
    private const byte Space = (byte)' ';
    private const byte Close = (byte)']';

    private readonly bool[] _offered = new bool[26];

    /// <param name="offered">The question's option letters (single uppercase letters A–Z).</param>
    public AnswerContract(IEnumerable<string> offered)
    {
        ArgumentNullException.ThrowIfNull(offered);
        foreach (var letter in offered)
        {
            if (!IsLetter(letter))
            {
                throw new ArgumentException($"'{letter}' is not an option letter (one of A-Z)", nameof(offered));
            }

            _offered[letter[0] - 'A'] = true;
        }

        if (!_offered.Any(o => o))
        {
            throw new ArgumentException("a question offers at least one option", nameof(offered));
        }
    }

    /// <summary>Whether <paramref name="text"/> is one option letter, A to Z.</summary>
    public static bool IsLetter(string? text) => text is { Length: 1 } && text[0] is >= 'A' and <= 'Z';

    /// <summary>The canonical answer choosing <paramref name="letters"/>.</summary>
    public static string Canonical(IEnumerable<string> letters) =>
        "[" + string.Join(", ", letters.Order(StringComparer.Ordinal).Select(l => $"\"{l}\"")) + "]";

    /// <summary>Whether <paramref name="output"/> (UTF-8 bytes) begins a canonical answer, or is one.</summary>
    public bool IsPrefix(ReadOnlySpan<byte> output) => Walk(output).State != State.Invalid;

    /// <summary>Whether <paramref name="output"/> is exactly a canonical answer (nothing may follow it).</summary>
    public bool IsComplete(ReadOnlySpan<byte> output) => Walk(output).State == State.Done;

    /// <summary>
    /// The bytes every canonical answer continuing <paramref name="output"/> must write next, up to the next choice:
    /// <c>["</c> at the start, <c> "</c> after a comma, <c>"]</c> after the last letter the question offers. Empty where
    /// the model chooses (a letter; going on with <c>", "</c> or closing with <c>"]</c>).
    /// </summary>
    public byte[] ForcedLiteral(ReadOnlySpan<byte> output)
    {
        var (state, last) = Walk(output);
        return state switch
        {
            State.Start => [Open, Quote],
            State.Open => [Quote],
            State.AfterLetter when !HasLetterAfter(last) => [Quote, Close],
            State.AfterLetterQuote when !HasLetterAfter(last) => [Close],
            State.AfterComma => [Space, Quote],
            State.AfterSpace => [Quote],
            _ => [],
        };
    }

    /// <summary>
    /// Reads a finished output: the chosen letters, or why it is invalid (one of <see cref="AnswerInvalidKinds"/>'
    /// parse kinds). An invalid answer is scored as choosing nothing: wrong, never skipped.
    /// </summary>
    public (IReadOnlySet<string>? Letters, string? Invalid) Parse(ReadOnlySpan<byte> output)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(output);
        }
        catch (DecoderFallbackException)
        {
            return (null, AnswerInvalidKinds.NotUtf8);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return (null, AnswerInvalidKinds.Unparsable);
            }

            var letters = new SortedSet<string>(StringComparer.Ordinal);
            string? invalid = null;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    return (null, AnswerInvalidKinds.Unparsable);
                }

                var letter = item.GetString()!.Trim();
                if (!IsLetter(letter) || !_offered[letter[0] - 'A'])
                {
                    invalid ??= AnswerInvalidKinds.OptionNotOffered;
                }
                else if (!letters.Add(letter))
                {
                    invalid ??= AnswerInvalidKinds.RepeatedOption;
                }
            }

            return invalid is not null ? (null, invalid)
                : letters.Count == 0 ? (null, AnswerInvalidKinds.NoOption)
                : (letters, null);
        }
        catch (JsonException)
        {
            return (null, AnswerInvalidKinds.Unparsable);
        }
    }

    private enum State
    {
        Invalid,
        Start,
        Open,
        ExpectLetter,
        AfterLetter,
        AfterLetterQuote,
        AfterComma,
        AfterSpace,
        Done,
    }

    /// <summary>Runs the canonical layout's automaton over the bytes: the state reached and the last letter written (-1 before any).</summary>
    private (State State, int Last) Walk(ReadOnlySpan<byte> output)
    {
        var state = State.Start;
        var last = -1;
        foreach (var b in output)
        {
            (state, last) = (state, b) switch
            {
                (State.Start, Open) => (State.Open, last),
                (State.Open, Quote) => (State.ExpectLetter, last),
                (State.ExpectLetter, _) when IsOfferedAfter(b, last) => (State.AfterLetter, b - 'A'),
                (State.AfterLetter, Quote) => (State.AfterLetterQuote, last),
                (State.AfterLetterQuote, Comma) when HasLetterAfter(last) => (State.AfterComma, last),
                (State.AfterLetterQuote, Close) => (State.Done, last),
                (State.AfterComma, Space) => (State.AfterSpace, last),
                (State.AfterSpace, Quote) => (State.ExpectLetter, last),
                _ => (State.Invalid, last),
            };
            if (state == State.Invalid)
            {
                break;
            }
        }

        return (state, last);
    }

    private bool IsOfferedAfter(byte b, int last) => b is >= (byte)'A' and <= (byte)'Z' && b - 'A' > last && _offered[b - 'A'];

    private bool HasLetterAfter(int last)
    {
        for (var i = last + 1; i < _offered.Length; i++)
        {
            if (_offered[i])
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Why an answer was invalid. Each generation is valid or invalid of exactly one kind: the generation limits first
/// (an output cut by a budget is counted as over budget, not as unparsable), then what parsing found. Every kind is
/// released, whether or not any output was of it, so which cells exist says nothing about the data.
/// </summary>
public static class AnswerInvalidKinds
{
    public const string TokenBudget = "token_budget";
    public const string TimeBudget = "time_budget";
    public const string ContextFull = "context_full";
    public const string NotUtf8 = "not_utf8";

    /// <summary>Not a JSON list of strings.</summary>
    public const string Unparsable = "unparsable";

    /// <summary>An empty list: every question has at least one right option.</summary>
    public const string NoOption = "no_option";

    /// <summary>A string that is not one of the question's option letters.</summary>
    public const string OptionNotOffered = "option_not_offered";

    /// <summary>A letter chosen twice.</summary>
    public const string RepeatedOption = "repeated_option";

    public static IReadOnlyList<string> All { get; } = [TokenBudget, TimeBudget, ContextFull, NotUtf8, Unparsable, NoOption, OptionNotOffered, RepeatedOption];
}
