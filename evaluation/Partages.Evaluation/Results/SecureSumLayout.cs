using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Partages.Evaluation.Tasks;

namespace Partages.Evaluation.Results;

/// <summary>A released result as a secure sum sees it: the layout every member shares, and this site's counts.</summary>
/// <param name="LayoutJson">The result with every count at zero and every figure derived from those zeros: nothing of the site.</param>
/// <param name="Counts">The counts, in the layout's order (every integer that is zero in the layout is one slot).</param>
public sealed record SecureSumVector(string LayoutJson, long[] Counts);

/// <summary>
/// Turns a released result into an integer vector for a secure sum, and a summed vector back into a result, for any
/// task: the task's own <see cref="TaskType.MergeSegments"/> (every released statistic is a sum over documents)
/// decides which integers add up. The node normalises its result (merged alone), zeroes every count and re-derives
/// the figures from the zeros: that is the <b>layout</b>, identical at every site of one spec, with no figure of the
/// site in it. Every integer that is zero in the layout is a slot of the vector; every other integer (a grid size, a
/// bound) must be a constant the merge keeps as it is. The coordinator fills the layout with the sum and pools the
/// one document it gets (<see cref="TaskType.Pool"/>), so the pooled figures come from the summed counts exactly as
/// from the sites' counts (ADR 0004).
/// </summary>
public static class SecureSumLayout
{
    // Doubles always carry a '.' or an exponent here, so an integer leaf is a count (or a constant), never a figure
    // that happened to be whole.
    private static readonly JsonSerializerOptions Marked = CreateMarked();

    /// <summary>The layout and the counts of one site's released result.</summary>
    /// <param name="knownSkipKinds">Every kind a reader can skip: each present (at zero if need be), so the layout never depends on which occurred.</param>
    /// <exception cref="InvalidDataException">The result's task is unknown, or an integer of it is neither a sum nor a constant.</exception>
    public static SecureSumVector Flatten(ResultDocument released, IReadOnlyList<string> labels, IReadOnlyList<string> knownSkipKinds)
    {
        ArgumentNullException.ThrowIfNull(released);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(knownSkipKinds);
        var task = TaskRegistry.Find(released.Task) ?? throw new InvalidDataException($"results of task '{released.Task}' have no secure sum layout");
        var skipped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var kind in knownSkipKinds)
        {
            skipped[kind] = 0;
        }

        foreach (var (kind, count) in released.InputSummary.Skipped)
        {
            skipped[kind] = count;
        }

        var normal = released with { InputSummary = released.InputSummary with { Skipped = skipped } };
        // Noisy counts (a node's Skellam share) can be negative: only the task's pooling adds them (and their variances);
        // the segment merge is for exact counts.
        var noisy = released.Release?.DifferentialPrivacy is not null;
        ResultDocument Merge(params ResultDocument[] documents) => noisy
            ? task.Pool(labels, [.. documents.Select((d, i) => new KeyValuePair<string, ResultDocument>($"copy {i}", d))]).Pooled
                ?? throw new InvalidDataException("the task pooled the result into nothing")
            : task.MergeSegments(labels, documents);
        var once = Tree(Merge(normal));
        var twice = Tree(Merge(normal, normal));
        var zeroed = once.DeepClone();
        var onceLeaves = IntegerLeaves(once);
        var twiceLeaves = IntegerLeaves(twice).ToDictionary(l => l.Path, l => l.Value, StringComparer.Ordinal);
        var constants = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (path, value, _) in onceLeaves)
        {
            if (!twiceLeaves.TryGetValue(path, out var doubled))
            {
                throw new InvalidDataException($"the result's '{path}' disappears when the result is merged with itself");
            }

            if (doubled == 2 * value)
            {
                continue;
            }

            if (doubled != value)
            {
                throw new InvalidDataException($"the result's '{path}' is neither a sum over documents nor a constant ({value}, {doubled} when merged with itself)");
            }

            constants[path] = value;
        }

        foreach (var (path, _, node) in IntegerLeaves(zeroed))
        {
            if (!constants.ContainsKey(path))
            {
                node.ReplaceWith(JsonValue.Create(0L));
            }
        }

        var layout = Tree(Merge(Read(zeroed)));
        var values = onceLeaves.ToDictionary(l => l.Path, l => l.Value, StringComparer.Ordinal);
        var counts = new List<long>();
        foreach (var (path, value, _) in IntegerLeaves(layout))
        {
            if (value != 0)
            {
                if (!constants.TryGetValue(path, out var constant) || constant != value)
                {
                    throw new InvalidDataException($"the layout's '{path}' is {value}, which is not a constant of the result");
                }

                continue;
            }

            if (!values.TryGetValue(path, out var count))
            {
                throw new InvalidDataException($"the layout's '{path}' is not in the result");
            }

            counts.Add(constants.ContainsKey(path) ? 0 : count);
        }

        return new SecureSumVector(layout.ToJsonString(Marked), [.. counts]);
    }

    /// <summary>How many slots a layout has.</summary>
    /// <exception cref="InvalidDataException">The layout is not a results document.</exception>
    public static int SlotCount(string layoutJson) => IntegerLeaves(Parse(layoutJson)).Count(l => l.Value == 0);

    /// <summary>The result whose counts are <paramref name="sum"/>, laid out as <paramref name="layoutJson"/>.</summary>
    /// <exception cref="InvalidDataException">The layout is not a results document, or its slots are not as many as the sum's counts.</exception>
    public static ResultDocument Fill(string layoutJson, ReadOnlySpan<long> sum)
    {
        var tree = Parse(layoutJson);
        var slots = IntegerLeaves(tree).Where(l => l.Value == 0).ToList();
        if (slots.Count != sum.Length)
        {
            throw new InvalidDataException($"the layout has {slots.Count} counts, the sum {sum.Length}");
        }

        for (var i = 0; i < slots.Count; i++)
        {
            slots[i].Node.ReplaceWith(JsonValue.Create(sum[i]));
        }

        return Read(tree);
    }

    /// <summary>
    /// The pooled result of a secure sum over <paramref name="contributors"/> sites: <see cref="Fill"/>, then the task's
    /// pooling. Under distributed noise (<see cref="DifferentialPrivacyRelease.Skellam"/>) the layout states one
    /// contributor's noise share while the sum carries every contributor's; pooling the sum with one all-zero copy of
    /// the layout per other contributor adds no count and sums the variances, for every section and task alike.
    /// </summary>
    /// <exception cref="InvalidDataException">As <see cref="Fill"/>.</exception>
    public static ResultDocument? Pool(string layoutJson, ReadOnlySpan<long> sum, int contributors, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var summed = Fill(layoutJson, sum);
        var documents = new List<KeyValuePair<string, ResultDocument>> { new("secure sum", summed) };
        if (summed.Release?.DifferentialPrivacy?.Mechanism == DifferentialPrivacyRelease.Skellam)
        {
            var zero = Fill(layoutJson, new long[sum.Length]);
            documents.AddRange(Enumerable.Range(2, Math.Max(0, contributors - 1)).Select(i => new KeyValuePair<string, ResultDocument>($"noise share {i}", zero)));
        }

        return TaskRegistry.Get(summed.Task).Pool(labels, documents).Pooled;
    }

    private static JsonNode Parse(string layoutJson)
    {
        ArgumentNullException.ThrowIfNull(layoutJson);
        try
        {
            return JsonNode.Parse(layoutJson) ?? throw new InvalidDataException("the layout is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("the layout is not JSON: " + ex.Message, ex);
        }
    }

    private static JsonNode Tree(ResultDocument document) =>
        JsonNode.Parse(JsonSerializer.Serialize(document, Marked)) ?? throw new InvalidDataException("the result serialised to nothing");

    private static ResultDocument Read(JsonNode tree) => ResultJson.DeserializeSite(tree.ToJsonString(ResultJson.Options));

    /// <summary>Every integer leaf in document order, with its path.</summary>
    private static List<(string Path, long Value, JsonNode Node)> IntegerLeaves(JsonNode root)
    {
        var leaves = new List<(string, long, JsonNode)>();
        Walk(root, "$", leaves);
        return leaves;
    }

    private static void Walk(JsonNode? node, string path, List<(string, long, JsonNode)> leaves)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    Walk(child, path + "." + name, leaves);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", leaves);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                var text = value.ToJsonString();
                if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('e', StringComparison.OrdinalIgnoreCase)
                    && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    leaves.Add((path, integer, node));
                }

                break;
        }
    }

    private static JsonSerializerOptions CreateMarked()
    {
        var options = new JsonSerializerOptions(ResultJson.Options) { WriteIndented = false };
        options.Converters.Add(new MarkedDoubleConverter());
        return options;
    }

    /// <summary>Writes a double as the shortest round-trip text, with ".0" when it has neither a point nor an exponent.</summary>
    private sealed class MarkedDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('E', StringComparison.OrdinalIgnoreCase))
            {
                text += ".0";
            }

            writer.WriteRawValue(text);
        }
    }
}
