using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.Coordinator.Api;

/// <summary>The JSON API's serialization (snake_case keys, like the results JSON) and its error answers.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
        // Served as application/json or inside an SSE data line, never inside HTML: keep quotes and accents readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static IResult Error(int statusCode, string code, string message) =>
        TypedResults.Json(new ApiErrorBody(new ApiError(code, message)), Options, statusCode: statusCode);

    public static IResult NotFound(string what) => Error(StatusCodes.Status404NotFound, "not_found", what);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, "invalid_argument", message);
}
