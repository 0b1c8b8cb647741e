using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.GenerativeExtraction;

/// <summary>
/// <c>generative_extraction</c>: a generative model (an ONNX Runtime GenAI folder in the bundle) reads each report
/// through a prompt template and writes a JSON object of fields, each from its allowed values (the output contract).
/// The spec's labels are the fields; each is scored as a single-label classification over its values plus
/// <c>invalid_output</c> (an invalid output is wrong for every field, never skipped). docs/generative.md.
/// </summary>
public sealed class GenerativeExtractionTask : TaskType
{
    public const string TaskName = "generative_extraction";

    public override string Name => TaskName;

    public override int MinimumLabels => 1;

    public override string TooFewLabels => "a generative extraction names at least one field to extract";

    public override bool IsGenerative => true;

    /// <summary>The top-level table is over the fields' values, not the fields: <see cref="CheckSections"/> checks it.</summary>
    public override IReadOnlyList<string>? MatrixLabels(IReadOnlyList<string> labels) => null;

    public override IReadOnlyList<string> PromptTemplateProblems(string? template) => PromptTemplate.Problems(template);

    /// <summary>The output contract's problems, and labels that are not its fields in order.</summary>
    public override IReadOnlyList<string> GenerationProblems(Bundles.GenerationSettings settings, IReadOnlyList<string>? labels)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = OutputContract.Problems(settings.Fields).Select(p => "generation." + p).ToList();
        if (settings.Fields is { Count: > 0 } fields && labels is not null && !fields.Select(f => f.Name).SequenceEqual(labels, StringComparer.Ordinal))
        {
            errors.Add($"labels: a generative bundle's labels are its fields in order ({string.Join(", ", fields.Select(f => f.Name))}), not [{string.Join(", ", labels)}]");
        }

        return errors;
    }

    public override void CheckSections(ResultDocument document, IReadOnlyList<string> labels, bool noisy) =>
        _ = GenerativeResults.Read(document, labels, noisy);

    public override PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites)
    {
        var documents = sites.Select(s => s.Value).ToList();
        var pooled = documents.Any(d => d.Release?.DifferentialPrivacy is not null)
            ? GenerativeRelease.PoolPrivate(Name, labels, documents)
            : GenerativeResults.PoolExact(Name, labels, documents);
        // No meta-analysis yet: the per-field tables pool by addition; heterogeneity across sites is left out, said so.
        return new PooledSections(pooled, null, [new OmittedSection("heterogeneity", "not computed for generative extraction")]);
    }

    public override ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments) =>
        GenerativeResults.PoolExact(Name, labels, segments);

    public override ResultDocument ReleaseExact(ResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Generative is null)
        {
            throw new ReleaseRefusedException("a generative extraction result has no generative section");
        }

        return result with { Release = new ReleaseSection() };
    }

    public override ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release) => GenerativeRelease.ApplyPrivate(result, release);
}
