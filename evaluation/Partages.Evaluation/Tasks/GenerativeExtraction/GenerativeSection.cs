using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.GenerativeExtraction;

/// <summary>
/// The <c>generative</c> section of a generative extraction result (docs/generative.md, docs/results-schema.md).
/// Its sufficient statistics: each field's confusion matrix (gold value × written value or <c>invalid_output</c>),
/// the generations by outcome (<c>valid</c> or an invalid kind, each generation in exactly one), and the reports
/// truncated to fit the model's context. Every figure derives from them, so pooling is adding them.
/// </summary>
public sealed record GenerativeSection
{
    /// <summary>The outcome of a generation whose output parsed into the contract.</summary>
    public const string Valid = "valid";

    /// <summary>Per field, in contract order: a single-label result over its values and <c>invalid_output</c>.</summary>
    public required IReadOnlyList<FieldResult> Fields { get; init; }

    /// <summary><see cref="Valid"/> and every kind of <see cref="InvalidKinds"/>, always all present.</summary>
    public required IReadOnlyDictionary<string, long> Outputs { get; init; }

    /// <summary>Reports cut to fit the model's context (their head kept, docs/generative.md); still generated and scored.</summary>
    public required long Truncated { get; init; }

    /// <summary>Invalid outputs over generations, with its 95 % interval (Wilson; under differential privacy, including the noise); null when not estimable.</summary>
    public Interval? InvalidRateInterval { get; init; }

    public double? InvalidRate { get; init; }

    /// <summary>How the outputs were produced, as the reproducibility manifest records them.</summary>
    public required DecodingRecord Decoding { get; init; }

    /// <summary>Generations counted (valid or not).</summary>
    public long Generations => Outputs.Values.Sum();

    public long Invalid => Outputs.Where(o => o.Key != Valid).Sum(o => o.Value);
}

/// <summary>One field's table: its name and its single-label result (labels: the field's values, then <c>invalid_output</c>).</summary>
public sealed record FieldResult(string Name, ResultDocument Result);

/// <summary>The decoding behind a result: greedy, the token budget, the seed (sampling only) and how the output was constrained.</summary>
public sealed record DecodingRecord(string Strategy, int MaxNewTokens, long? Seed, string Constraint)
{
    public const string Greedy = "greedy";

    /// <summary>ONNX Runtime GenAI's guidance (llguidance) holds the output to a regex of the contract's canonical answers: what nodes record since session 10.</summary>
    public const string GenAiGuidance = "genai_guidance";

    /// <summary>The engine's own logit mask over the canonical layout, which nodes before session 10 recorded; results carrying it still read.</summary>
    public const string EngineLogitMask = "engine_logit_mask";
}

/// <summary>Builds, reads and adds up the generative sections.</summary>
public static class GenerativeResults
{
    /// <summary>The exact result of one run (or a pool of exact runs): per-field tables, their sum over fields at the top level.</summary>
    public static ResultDocument Build(
        string task,
        IReadOnlyList<OutputField> fields,
        IReadOnlyList<ClassificationCounts> fieldCounts,
        IReadOnlyDictionary<string, long> outputs,
        long truncated,
        DecodingRecord decoding,
        InputSummary summary)
    {
        var perField = fields.Select((f, i) => new FieldResult(f.Name, ResultDocument.FromCounts(task, fieldCounts[i], summary))).ToList();
        var all = AllOutcomes(outputs);
        var invalid = all.Where(o => o.Key != GenerativeSection.Valid).Sum(o => o.Value);
        var generations = all.Values.Sum();
        var section = new GenerativeSection
        {
            Fields = perField,
            Outputs = all,
            Truncated = truncated,
            InvalidRate = generations == 0 ? null : (double)invalid / generations,
            InvalidRateInterval = generations == 0 ? null : Interval.From(Wilson.Interval(invalid, generations)),
            Decoding = decoding,
        };
        // n_documents counts reports (generations), not the F field slots the top-level table sums.
        return ResultDocument.FromCounts(task, SumOverFields(fields, fieldCounts), summary) with { NDocuments = generations, Generative = section };
    }

    /// <summary>
    /// The top-level table: every field's matrix added into one over the union of values (field order, then
    /// <c>invalid_output</c>), so its accuracy is the share of field slots filled right (its cells sum to F × reports).
    /// </summary>
    public static ClassificationCounts SumOverFields(IReadOnlyList<OutputField> fields, IReadOnlyList<ClassificationCounts> fieldCounts)
    {
        var union = UnionLabels(fields);
        var sum = new ClassificationCounts(union);
        for (var f = 0; f < fields.Count; f++)
        {
            var counts = fieldCounts[f];
            for (var g = 0; g < counts.Labels.Count; g++)
            {
                for (var p = 0; p < counts.Labels.Count; p++)
                {
                    sum.Add(sum.IndexOf(counts.Labels[g]), sum.IndexOf(counts.Labels[p]), counts[g, p]);
                }
            }
        }

        return sum;
    }

    public static IReadOnlyList<string> UnionLabels(IReadOnlyList<OutputField> fields) =>
        [.. fields.SelectMany(f => f.Values).Distinct(StringComparer.Ordinal), OutputContract.InvalidOutput];

    /// <summary><see cref="GenerativeSection.Valid"/> and every invalid kind, zero when absent; an unknown kind is refused.</summary>
    public static SortedDictionary<string, long> AllOutcomes(IReadOnlyDictionary<string, long> outputs)
    {
        var all = new SortedDictionary<string, long>(StringComparer.Ordinal) { [GenerativeSection.Valid] = 0 };
        foreach (var kind in InvalidKinds.All)
        {
            all[kind] = 0;
        }

        foreach (var (kind, count) in outputs)
        {
            if (!all.ContainsKey(kind))
            {
                throw new InvalidDataException($"generative.outputs: '{kind}' is not an outcome (known: {string.Join(", ", all.Keys)})");
            }

            all[kind] += count;
        }

        return all;
    }

    /// <summary>The contract a result's fields describe (names, and values from each table's labels).</summary>
    /// <exception cref="InvalidDataException">The section is missing, its fields are not <paramref name="labels"/> in order, or a table is malformed.</exception>
    public static (GenerativeSection Section, IReadOnlyList<OutputField> Fields) Read(ResultDocument document, IReadOnlyList<string> labels, bool noisy)
    {
        var section = document.Generative ?? throw new InvalidDataException("the result has no generative section");
        if (section.Fields is null || section.Outputs is null || section.Decoding is null)
        {
            throw new InvalidDataException("generative: fields, outputs and decoding are required");
        }

        if (!section.Fields.Select(f => f.Name).SequenceEqual(labels, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"generative.fields are [{string.Join(", ", section.Fields.Select(f => f.Name))}], not the evaluation's [{string.Join(", ", labels)}]");
        }

        var fields = new List<OutputField>();
        foreach (var field in section.Fields)
        {
            var matrixLabels = field.Result?.ConfusionMatrix?.Labels ?? throw new InvalidDataException($"generative.fields.{field.Name}: no confusion matrix");
            if (matrixLabels.Count < 2 || matrixLabels[^1] != OutputContract.InvalidOutput)
            {
                throw new InvalidDataException($"generative.fields.{field.Name}: the matrix's last label must be '{OutputContract.InvalidOutput}'");
            }

            var matrix = field.Result.ConfusionMatrix.Matrix;
            if (matrix is null || matrix.Length != matrixLabels.Count || matrix.Any(r => r is null || r.Length != matrixLabels.Count))
            {
                throw new InvalidDataException($"generative.fields.{field.Name}: the matrix is not {matrixLabels.Count}x{matrixLabels.Count}");
            }

            if (!noisy)
            {
                _ = field.Result.ToCounts();
            }

            fields.Add(new OutputField(field.Name, [.. matrixLabels.Take(matrixLabels.Count - 1)]));
        }

        var problems = OutputContract.Problems(fields);
        if (problems.Count > 0)
        {
            throw new InvalidDataException("generative.fields: " + string.Join("; ", problems));
        }

        var union = UnionLabels(fields);
        if (document.ConfusionMatrix?.Labels is not { } top || !top.SequenceEqual(union, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"the top-level confusion_matrix must be over the fields' values [{string.Join(", ", union)}]");
        }

        var outcomes = AllOutcomes(section.Outputs);
        if (!noisy && (outcomes.Values.Any(v => v < 0) || section.Truncated < 0))
        {
            throw new InvalidDataException("generative: an exact count is negative");
        }

        return (section, fields);
    }

    /// <summary>Adds exact results (sites of a pool, or a run's segments): every statistic is a sum over reports.</summary>
    public static ResultDocument PoolExact(string task, IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> parts)
    {
        var read = parts.Select(p => Read(p, labels, noisy: false)).ToList();
        var fields = read[0].Fields;
        foreach (var (_, other) in read.Skip(1))
        {
            if (!other.Zip(fields).All(pair => pair.First.Values.SequenceEqual(pair.Second.Values, StringComparer.Ordinal)))
            {
                throw new InvalidDataException("the parts' fields allow different values");
            }
        }

        var counts = fields.Select((f, i) => ClassificationCounts.Pool(OutputContract.MatrixLabels(f), read.Select(r => r.Section.Fields[i].Result.ToCounts()))).ToList();
        var outputs = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, count) in read.SelectMany(r => r.Section.Outputs))
        {
            outputs[kind] = outputs.GetValueOrDefault(kind) + count;
        }

        return Build(task, fields, counts, outputs, read.Sum(r => r.Section.Truncated), read[0].Section.Decoding, InputSummary.Sum(parts.Select(p => p.InputSummary)));
    }
}
