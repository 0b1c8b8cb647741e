using System.Text.Json;
using Grpc.Core;
using Partages.Coordinator.Telemetry;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks;

namespace Partages.Coordinator.Results;

/// <summary>Why a result is refused: the status the node is answered with, and the reason its run fails with.</summary>
public sealed record IntakeRefusal(StatusCode Status, string Reason);

/// <summary>
/// Checks a node's released results JSON against the evaluation it answers: schema, task and label set, and the
/// sections the task's pooling reads (entity recognition: seqeval, and schemes unless the node's gate withheld them;
/// multi-label: per-label counts and <c>multi_label</c>), so a result accepted here can always be pooled; then
/// against what the node announced of its dataset (<see cref="ResultPlausibility"/>).
/// </summary>
public static class ResultIntake
{
    /// <summary>
    /// Null when the result may be stored and pooled. A malformed result is INVALID_ARGUMENT: wrong whatever the
    /// coordinator knows. A well-formed result that the node's own announcement rules out is FAILED_PRECONDITION: it
    /// depends on the state the coordinator holds (the node's latest hello) — the same bytes would pass had the node
    /// announced a larger dataset — and it tells the node's operator that the figures, not the encoding, are at fault.
    /// </summary>
    /// <param name="announcedDatasetsJson">The node's datasets as stored from its latest hello (<see cref="NodeEntity.DatasetsJson"/>).</param>
    /// <param name="released">
    /// What the run stores beside the result for the read model and the metrics (<see cref="RunEntity.Released"/>),
    /// taken from this parse so that nothing parses the result again; <see cref="ReleasedFigures.None"/> when refused.
    /// </param>
    /// <param name="rules">The evaluation's rules, read once per evaluation (<see cref="IntakeRulesCache"/>).</param>
    public static IntakeRefusal? Check(string resultJson, IntakeRules rules, string announcedDatasetsJson, out ReleasedFigures released)
    {
        ArgumentNullException.ThrowIfNull(rules);
        released = ReleasedFigures.None;
        if (Validate(resultJson, rules, out var problem) is not { } document)
        {
            return new IntakeRefusal(StatusCode.InvalidArgument, "invalid result: " + problem);
        }

        var announced = JsonSerializer.Deserialize<StoredDataset[]>(announcedDatasetsJson) ?? [];
        if (ResultPlausibility.Check(document, announced, rules.Dataset) is { } implausible)
        {
            return new IntakeRefusal(StatusCode.FailedPrecondition, "implausible result: " + implausible);
        }

        released = ReleasedFigures.From(document);
        return null;
    }

    /// <summary>The parsed document, or null with the reason in <paramref name="problem"/>.</summary>
    public static ResultDocument? Validate(string resultJson, EvaluationEntity evaluation, out string problem) =>
        Validate(resultJson, IntakeRules.Of(evaluation), out problem);

    /// <inheritdoc cref="Validate(string, EvaluationEntity, out string)"/>
    public static ResultDocument? Validate(string resultJson, IntakeRules rules, out string problem)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ResultDocument document;
        try
        {
            document = ResultJson.DeserializeSite(resultJson);
        }
        catch (InvalidDataException ex)
        {
            problem = ex.Message;
            return null;
        }

        if (document.ConfusionMatrix is not { Labels: { } labels, Matrix: { } matrix } || matrix.Any(row => row is null) || document.InputSummary is null)
        {
            problem = "the results document has no complete confusion_matrix or input_summary.";
            return null;
        }

        var noisy = document.Release?.DifferentialPrivacy is not null;
        try
        {
            // Rebuilding the counts checks the matrix's shape, its signs and the labels' uniqueness; noisy counts
            // (differential privacy) keep their sign, so only their shape and labels are checked.
            if (noisy)
            {
                _ = ReleasedCounts.SignedMatrix(document, labels);
            }
            else
            {
                _ = document.ToCounts();
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
        {
            problem = ex.Message;
            return null;
        }

        if (!string.Equals(document.Task, rules.Task, StringComparison.Ordinal))
        {
            problem = $"the result is for task '{document.Task}' but the evaluation's task is '{rules.Task}'.";
            return null;
        }

        var expected = rules.Labels;
        var actual = labels;
        var slice = TaskRegistry.Find(document.Task);
        // A generative task's matrices are per field (its own section), so is multiple choice's; dataset QC has none.
        var matrixLabels = slice is null ? expected : slice.MatrixLabels(expected);
        if (matrixLabels is not null && (actual.Count != matrixLabels.Count || !actual.ToHashSet(StringComparer.Ordinal).SetEquals(matrixLabels)))
        {
            problem = $"the result's labels [{string.Join(", ", actual)}] differ from the evaluation's [{string.Join(", ", matrixLabels)}].";
            return null;
        }

        try
        {
            // The task's slice reads back every section its pooling needs.
            slice?.CheckSections(document, expected, noisy);
            // The spec's robustness suite, perturbation by perturbation, each result checked by the same slice.
            if (slice is not null)
            {
                Partages.Evaluation.Robustness.RobustnessResults.Check(document, slice, expected, noisy, rules.Robustness);
            }
        }
        catch (InvalidDataException ex)
        {
            problem = ex.Message;
            return null;
        }

        problem = "";
        return document;
    }

    public static IReadOnlyList<string> Labels(EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return JsonSerializer.Deserialize<string[]>(evaluation.LabelsJson) ?? [];
    }
}
