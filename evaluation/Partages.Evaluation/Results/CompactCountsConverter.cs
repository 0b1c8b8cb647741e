using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.Evaluation.Results;

/// <summary>
/// Writes a count vector on one line, <c>[0,3,1]</c>, even in indented output: a histogram has 2030 entries per
/// side (the logit grid), and one line per entry would make a four-class payload some 200 kB instead of about 35. The bytes are a
/// pure function of the values, so released payloads stay byte-for-byte reproducible. Reads any JSON array of integers.
/// </summary>
public sealed class CompactCountsConverter : JsonConverter<long[]>
{
    public override long[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Expected an array of counts.");
        }

        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
            {
                throw new JsonException("A count must be an integer.");
            }

            values.Add(value);
        }

        return [.. values];
    }

    public override void Write(Utf8JsonWriter writer, long[] value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length * 2 + 2).Append('[');
        for (var i = 0; i < value.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(value[i].ToString(CultureInfo.InvariantCulture));
        }

        writer.WriteRawValue(text.Append(']').ToString(), skipInputValidation: true);
    }
}
