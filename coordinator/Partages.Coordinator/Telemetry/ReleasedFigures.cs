using System.Text.Json;
using Partages.Evaluation.Results;

namespace Partages.Coordinator.Telemetry;

/// <summary>
/// The two numbers the metrics and the read model take from a released site result: <c>input_summary.documents_read</c>
/// and the ε the release spent (<c>release.differential_privacy.epsilon</c>; null for exact counts). Taken once, from
/// the document the intake parsed (<see cref="From"/>), and stored with the run (RunEntity.Released), so no list or
/// live update parses a result again. <see cref="Read"/> is for rows stored before these columns existed.
/// </summary>
public sealed record ReleasedFigures(long? DocumentsRead, double? Epsilon)
{
    /// <summary>No result yet (or nothing to read in it).</summary>
    public static ReleasedFigures None { get; } = new(null, null);

    /// <summary>The figures of a result the intake has parsed and accepted.</summary>
    public static ReleasedFigures From(ResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var read = document.InputSummary?.DocumentsRead;
        var epsilon = document.Release?.DifferentialPrivacy?.Epsilon;
        return new ReleasedFigures(read >= 0 ? read : null, epsilon is { } e && e > 0 && double.IsFinite(e) ? e : null);
    }

    /// <summary>
    /// The same figures read from stored JSON, defensively: a result without them, or with an unexpected shape, yields
    /// nulls and never an error (used to fill the columns of rows stored by an older coordinator).
    /// </summary>
    public static ReleasedFigures Read(string resultJson)
    {
        if (string.IsNullOrEmpty(resultJson))
        {
            return None;
        }

        try
        {
            using var document = JsonDocument.Parse(resultJson);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return None;
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
            return None;
        }
    }

    private static long? Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count >= 0
            ? count
            : null;
}
