using System.Text.Json;

namespace Partages.Coordinator.Telemetry;

/// <summary>
/// The two numbers the metrics and the run view take from a released site result: <c>input_summary.documents_read</c>
/// and the ε the release spent (<c>release.differential_privacy.epsilon</c>; null for exact counts). Read defensively:
/// a result without them, or with an unexpected shape, yields nulls and never an error, since the result itself has
/// already been validated by Results/ and metrics must not refuse it.
/// </summary>
public sealed record ReleasedFigures(long? DocumentsRead, double? Epsilon)
{
    public static ReleasedFigures Read(string resultJson)
    {
        if (string.IsNullOrEmpty(resultJson))
        {
            return new ReleasedFigures(null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(resultJson);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new ReleasedFigures(null, null);
            }

            long? read = root.TryGetProperty("input_summary", out var summary) && summary.ValueKind == JsonValueKind.Object
                ? Count(summary, "documents_read")
                : null;
            double? epsilon = root.TryGetProperty("release", out var release) && release.ValueKind == JsonValueKind.Object
                && release.TryGetProperty("differential_privacy", out var privacy) && privacy.ValueKind == JsonValueKind.Object
                && privacy.TryGetProperty("epsilon", out var value) && value.ValueKind == JsonValueKind.Number
                && value.TryGetDouble(out var e) && e > 0 && double.IsFinite(e)
                    ? e
                    : null;
            return new ReleasedFigures(read, epsilon);
        }
        catch (JsonException)
        {
            return new ReleasedFigures(null, null);
        }
    }

    private static long? Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count >= 0
            ? count
            : null;
}
