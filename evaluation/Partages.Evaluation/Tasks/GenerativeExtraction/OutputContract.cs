using System.Text;
using System.Text.Json;

namespace Partages.Evaluation.Tasks.GenerativeExtraction;

/// <summary>One field the model must fill, and the values it may write (its classes).</summary>
public sealed record OutputField(string Name, IReadOnlyList<string> Values);

/// <summary>
/// What a generative extraction must write: one JSON object with every field, in order, each a string from its allowed
/// values, in one canonical layout — <c>{"EGFR": "positif", "ALK": "négatif"}</c> (a space after each colon and comma,
/// nothing else). The canonical layout is a subset of the JSON the schema allows; fixing it lets the engine constrain
/// decoding with a byte-prefix check (<see cref="IsPrefix"/>) instead of a JSON grammar, and makes parsing exact.
/// </summary>
public sealed class OutputContract : ICanonicalLayout
{
    /// <summary>The column a field's confusion matrix counts an invalid output in: it is never a gold value, so an invalid output is always wrong.</summary>
    public const string InvalidOutput = "invalid_output";

    private readonly byte[][] _literals;
    private readonly byte[][][] _choices;

    public OutputContract(IReadOnlyList<OutputField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (Problems(fields) is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(fields));
        }

        Fields = fields;
        // Literal i comes before field i's value; the last literal closes the object.
        _literals = [.. fields.Select((f, i) => Utf8((i == 0 ? "{\"" : "\", \"") + f.Name + "\": \"")), Utf8("\"}")];
        _choices = [.. fields.Select(f => f.Values.Select(Utf8).ToArray())];
    }

    public IReadOnlyList<OutputField> Fields { get; }

    /// <summary>Every problem with a contract: no field, a field twice, a value list empty or repeated, a name or value JSON would escape.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<OutputField>? fields)
    {
        var problems = new List<string>();
        if (fields is null || fields.Count == 0)
        {
            problems.Add("fields: at least one field is required");
            return problems;
        }

        foreach (var duplicate in fields.GroupBy(f => f.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"fields: '{duplicate.Key}' is listed more than once");
        }

        foreach (var field in fields)
        {
            if (!IsPlain(field.Name))
            {
                problems.Add($"fields: the name '{field.Name}' must be 1-64 characters with no quote, backslash or control character");
            }

            if (field.Values is null || field.Values.Count == 0)
            {
                problems.Add($"fields.{field.Name}.values: at least one value is required");
                continue;
            }

            foreach (var value in field.Values.Where(v => !IsPlain(v) || v == InvalidOutput))
            {
                problems.Add($"fields.{field.Name}.values: '{value}' must be 1-64 characters with no quote, backslash or control character, and not '{InvalidOutput}'");
            }

            if (field.Values.Distinct(StringComparer.Ordinal).Count() != field.Values.Count)
            {
                problems.Add($"fields.{field.Name}.values: a value is listed twice");
            }
        }

        return problems;
    }

    /// <summary>The labels of a field's confusion matrix: its values, then <see cref="InvalidOutput"/>.</summary>
    public static IReadOnlyList<string> MatrixLabels(OutputField field) => [.. field.Values, InvalidOutput];

    /// <summary>The canonical text of one answer (values in field order).</summary>
    public string Canonical(IReadOnlyList<string> values)
    {
        var text = new StringBuilder("{");
        for (var i = 0; i < Fields.Count; i++)
        {
            text.Append(i == 0 ? "\"" : ", \"").Append(Fields[i].Name).Append("\": \"").Append(values[i]).Append('"');
        }

        return text.Append('}').ToString();
    }

    /// <summary>Whether <paramref name="output"/> (UTF-8 bytes) begins some canonical answer, or is one.</summary>
    public bool IsPrefix(ReadOnlySpan<byte> output) => Match(output, 0) != MatchResult.Invalid;

    /// <summary>Whether <paramref name="output"/> is exactly a canonical answer.</summary>
    public bool IsComplete(ReadOnlySpan<byte> output) => Match(output, 0) == MatchResult.Complete;

    private enum MatchResult
    {
        Invalid,
        Prefix,
        Complete,
    }

    /// <summary>Matches the output from segment <paramref name="field"/> on (its literal, then its value); values may share a beginning, so each is tried.</summary>
    private MatchResult Match(ReadOnlySpan<byte> rest, int field)
    {
        var literal = _literals[field];
        if (rest.Length <= literal.Length)
        {
            return !literal.AsSpan().StartsWith(rest) ? MatchResult.Invalid
                : rest.Length == literal.Length && field == Fields.Count ? MatchResult.Complete
                : MatchResult.Prefix;
        }

        if (!rest.StartsWith(literal) || field == Fields.Count)
        {
            return MatchResult.Invalid;
        }

        rest = rest[literal.Length..];
        var best = MatchResult.Invalid;
        foreach (var value in _choices[field])
        {
            var result = rest.Length <= value.Length
                ? value.AsSpan().StartsWith(rest) ? MatchResult.Prefix : MatchResult.Invalid
                : rest.StartsWith(value) ? Match(rest[value.Length..], field + 1) : MatchResult.Invalid;
            best = (MatchResult)Math.Max((int)best, (int)result);
        }

        return best;
    }

    /// <summary>
    /// The bytes every canonical answer continuing <paramref name="output"/> must write next, up to the next value: the
    /// rest of the literal the output ends in (<c>", "KRAS": "</c> after a value). Empty inside a value, or where a value
    /// could end or go on (one value a prefix of another): the model decides there. The engine feeds these bytes as
    /// the tokenizer writes them (fast-forward), so the model reads its own spelling of the keys.
    /// </summary>
    public byte[] ForcedLiteral(ReadOnlySpan<byte> output)
    {
        var ends = new HashSet<(int Field, int Offset)>();
        var inValue = false;
        Collect(output, 0, ends, ref inValue);
        if (inValue || ends.Count != 1)
        {
            return [];
        }

        var (field, offset) = ends.Single();
        return _literals[field][offset..];
    }

    private void Collect(ReadOnlySpan<byte> rest, int field, HashSet<(int, int)> ends, ref bool inValue)
    {
        var literal = _literals[field];
        if (rest.Length < literal.Length)
        {
            if (literal.AsSpan().StartsWith(rest))
            {
                ends.Add((field, rest.Length));
            }

            return;
        }

        if (field == Fields.Count || !rest.StartsWith(literal))
        {
            return;
        }

        rest = rest[literal.Length..];
        foreach (var value in _choices[field])
        {
            if (rest.Length < value.Length)
            {
                inValue |= value.AsSpan().StartsWith(rest);
            }
            else if (rest.StartsWith(value))
            {
                Collect(rest[value.Length..], field + 1, ends, ref inValue);
            }
        }
    }

    /// <summary>
    /// Reads a finished output: its values in field order, or why it is invalid (one of <see cref="InvalidKinds"/>'
    /// parse kinds). Any JSON object with the fields is read, not only the canonical layout, so an unconstrained
    /// decoder's output is scored the same way.
    /// </summary>
    public (IReadOnlyList<string>? Values, string? Invalid) Parse(ReadOnlySpan<byte> output)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(output);
        }
        catch (DecoderFallbackException)
        {
            return (null, InvalidKinds.NotUtf8);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, InvalidKinds.Unparsable);
            }

            var values = new List<string>(Fields.Count);
            foreach (var field in Fields)
            {
                if (!document.RootElement.TryGetProperty(field.Name, out var value) || value.ValueKind != JsonValueKind.String)
                {
                    return (null, InvalidKinds.MissingField);
                }

                var written = value.GetString()!;
                if (!field.Values.Contains(written, StringComparer.Ordinal))
                {
                    return (null, InvalidKinds.ValueNotAllowed);
                }

                values.Add(written);
            }

            return (values, null);
        }
        catch (JsonException)
        {
            return (null, InvalidKinds.Unparsable);
        }
    }

    private static bool IsPlain(string? text) =>
        !string.IsNullOrEmpty(text) && text.Length <= 64 && !text.Any(c => c is '"' or '\\' || char.IsControl(c));

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>
/// Why an output was invalid. Each generation is valid or invalid of exactly one kind: the generation limits first
/// (an output cut by a budget is counted as over budget, not as unparsable), then what parsing found. Every kind is
/// released, whether or not any output was of it, so which cells exist says nothing about the data.
/// </summary>
public static class InvalidKinds
{
    public const string TokenBudget = "token_budget";
    public const string TimeBudget = "time_budget";
    public const string ContextFull = "context_full";
    public const string NotUtf8 = "not_utf8";
    public const string Unparsable = "unparsable";
    public const string MissingField = "missing_field";
    public const string ValueNotAllowed = "value_not_allowed";

    public static IReadOnlyList<string> All { get; } = [TokenBudget, TimeBudget, ContextFull, NotUtf8, Unparsable, MissingField, ValueNotAllowed];
}
