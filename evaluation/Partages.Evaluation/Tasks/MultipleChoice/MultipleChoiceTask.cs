using Partages.Evaluation.Bundles;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.MultipleChoice;

/// <summary>
/// <c>multiple_choice_qa</c>: a generative model (an ONNX Runtime GenAI folder in the bundle) answers questions with
/// one or several right options (FrenchMedMCQA style) through a prompt template, its answer constrained to a JSON list
/// of option letters (<see cref="AnswerContract"/>). The spec's labels are the option letters (A–E). Released: the
/// questions by Hamming score, from which the exact match ratio and the Hamming score come, and the answers by outcome
/// (an invalid answer is wrong, never skipped). docs/generative.md.
/// </summary>
public sealed class MultipleChoiceTask : TaskType
{
    public const string TaskName = "multiple_choice_qa";

    public override string Name => TaskName;

    public override string TooFewLabels => "a multiple-choice QA lists at least two option letters (e.g. A, B, C, D, E)";

    public override bool IsGenerative => true;

    /// <summary>The section's figures a spec may list (besides the common names, which this task's result leaves empty).</summary>
    public override IReadOnlyList<string> ExtraMetrics { get; } = ["exact_match_ratio", "hamming_score", "invalid_rate"];

    /// <summary>No confusion matrix over the spec's labels: the figures are in the <c>multiple_choice</c> section.</summary>
    public override IReadOnlyList<string>? MatrixLabels(IReadOnlyList<string> labels) => null;

    public override IReadOnlyList<string> PromptTemplateProblems(string? template) => QuestionPrompt.Problems(template);

    /// <summary>No fields (the options are the labels); labels distinct single letters A–Z in alphabetical order.</summary>
    public override IReadOnlyList<string> GenerationProblems(GenerationSettings settings, IReadOnlyList<string>? labels)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<string>();
        if (settings.Fields is { Count: > 0 })
        {
            errors.Add($"generation.fields: a {TaskName} bundle has no fields; its labels are the option letters");
        }

        errors.AddRange(LabelProblems(labels ?? []));
        return errors;
    }

    /// <summary>Labels must be option letters: single uppercase A–Z, distinct, in alphabetical order, at most 26.</summary>
    public static IReadOnlyList<string> LabelProblems(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var errors = new List<string>();
        foreach (var label in labels.Where(l => !AnswerContract.IsLetter(l)))
        {
            errors.Add($"labels: '{label}' is not an option letter (one uppercase letter A-Z)");
        }

        if (errors.Count == 0 && !labels.SequenceEqual(labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            errors.Add($"labels: the option letters must be distinct and in alphabetical order, not [{string.Join(", ", labels)}]");
        }

        return errors;
    }

    public override void CheckSections(ResultDocument document, IReadOnlyList<string> labels, bool noisy)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _ = MultipleChoiceResults.Read(document, labels.Count, noisy);
    }

    /// <summary>The outcome cells (valid and every invalid kind): the top-level matrix is empty, and n_documents sums them.</summary>
    public override int DocumentCountCells(ResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Math.Max(1, document.MultipleChoice?.Outputs?.Count ?? 0);
    }

    public override PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sites);
        var documents = sites.Select(s => s.Value).ToList();
        var pooled = documents.Any(d => d.Release?.DifferentialPrivacy is not null)
            ? MultipleChoiceRelease.PoolPrivate(Name, labels.Count, documents)
            : MultipleChoiceResults.PoolExact(Name, labels.Count, documents);
        // The histogram pools by addition; a meta-analysis across sites is not computed yet, and said so.
        return new PooledSections(pooled, null, [new OmittedSection("heterogeneity", "not computed for multiple-choice QA")]);
    }

    public override ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return MultipleChoiceResults.PoolExact(Name, labels.Count, segments);
    }

    public override ResultDocument ReleaseExact(ResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        try
        {
            var section = result.MultipleChoice ?? throw new InvalidDataException("the result has no multiple_choice section");
            _ = MultipleChoiceResults.Read(result, MultipleChoiceResults.OptionsOf(section), noisy: false);
        }
        catch (InvalidDataException ex)
        {
            throw new ReleaseRefusedException("the multiple-choice result is malformed: " + ex.Message, ex);
        }

        return result with { Release = new ReleaseSection() };
    }

    public override ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(release);
        return MultipleChoiceRelease.ApplyPrivate(result, release);
    }
}
