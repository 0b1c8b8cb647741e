using System.Text.Json;

namespace Partages.Coordinator.Telemetry;

/// <summary>
/// The two numbers the metrics take from a released site result: <c>input_summary.documents_read</c> and the release
/// gate's <c>suppressed_cells</c> (at the top level or one object down, e.g. under a <c>release</c> object). Read
/// defensively: a result without them, or with an unexpected shape, yields nulls and never an error, since the
/// result itself has already been validated by Results/ and metrics must not refuse it.
/// </summary>
public sealed record ReleasedFigures(long? DocumentsRead, long? SuppressedCells)
{
    private const string SuppressedCellsProperty = "suppressed_cells";

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
            return new ReleasedFigures(read, FindSuppressedCells(root));
        }
        catch (JsonException)
        {
            return new ReleasedFigures(null, null);
        }
    }

    private static long? FindSuppressedCells(JsonElement root)
    {
        if (Count(root, SuppressedCellsProperty) is { } top)
        {
            return top;
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object && Count(property.Value, SuppressedCellsProperty) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    private static long? Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count >= 0
            ? count
            : null;
}
