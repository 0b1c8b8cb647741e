using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.Evaluation.Results;

/// <summary>The one JSON form of results (snake_case keys) shared by local mode, the node's release and the coordinator.</summary>
public static class ResultJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Released payloads are hashed; the same result must serialize to the same bytes everywhere.
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static string Serialize(ResultDocument document) => JsonSerializer.Serialize(document, Options);

    public static string Serialize(PooledResultDocument document) => JsonSerializer.Serialize(document, Options);

    /// <exception cref="InvalidDataException">The text is not a results document of the supported schema.</exception>
    public static ResultDocument DeserializeSite(string json) =>
        Read<ResultDocument>(json, d => d.Schema, ResultDocument.CurrentSchema);

    public static PooledResultDocument DeserializePooled(string json) =>
        Read<PooledResultDocument>(json, d => d.Schema, PooledResultDocument.CurrentSchema);

    private static T Read<T>(string json, Func<T, string> schema, string expected)
        where T : class
    {
        T? document;
        try
        {
            document = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a results document: {ex.Message}", ex);
        }

        if (document is null || schema(document) != expected)
        {
            throw new InvalidDataException($"Not a results document of schema '{expected}'.");
        }

        return document;
    }
}
