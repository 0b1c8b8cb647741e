using System.Globalization;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>The disclosure rules one release is held to, taken from the node policy.</summary>
/// <param name="MinDatasetDocuments">A result over a snapshot of fewer lines is refused (admission refuses it first).</param>
/// <param name="Privacy">The dataset's differential privacy: on (noise, ρ charged) unless its policy says <c>off</c>.</param>
public sealed record DisclosureRules(int MinDatasetDocuments, DifferentialPrivacyPolicy Privacy);

/// <summary>
/// Turns an evaluation's result into what may leave the node (docs/release-gate.md). Nothing is ever released as 0
/// because it was small: counts are either exact (the hospital wrote <c>differential_privacy: off</c>) or all carry
/// calibrated discrete Gaussian noise, and every figure is derived from what is released, with an interval that
/// includes the noise (<see cref="PrivateResults"/>). Which counts are released never depends on the data: every
/// label of the bundle, every skipped kind the readers know, every bin of a fixed grid.
/// </summary>
public static class DisclosureControl
{
    /// <exception cref="EvaluationRefusedException">The snapshot is under the minimum size, or the task cannot be released under the policy.</exception>
    public static ResultDocument Apply(ResultDocument result, DisclosureRules rules, ICountNoise noise)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(noise);
        if (result.InputSummary.DocumentsRead < rules.MinDatasetDocuments)
        {
            // Lines read are public under replace-one (and admission checked the snapshot's line count already).
            throw new EvaluationRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"the dataset has fewer documents than this node's minimum for a release (release.min_dataset_documents: {rules.MinDatasetDocuments})"));
        }

        if (!rules.Privacy.Enabled)
        {
            return Exact(result);
        }

        return result.Task switch
        {
            TaskTypes.SingleLabelClassification => SingleLabelPrivacy.Apply(result, rules.Privacy, noise),
            TaskTypes.TokenClassification => NerDisclosure.ApplyPrivate(result, rules.Privacy, noise),
            TaskTypes.MultiLabelClassification => MultiLabelDisclosure.ApplyPrivate(result, rules.Privacy, noise),
            _ => throw new EvaluationRefusedException($"results of task '{result.Task}' have no release rule on this node"),
        };
    }

    /// <summary>Exact counts, as the hospital chose: nothing altered, so every figure is the data's own.</summary>
    private static ResultDocument Exact(ResultDocument result) => result.Task switch
    {
        // Released as they are, once the consistency of their sections is checked.
        TaskTypes.TokenClassification => NerDisclosure.Apply(result),
        TaskTypes.MultiLabelClassification => MultiLabelDisclosure.Apply(result),
        _ => result with { Release = new ReleaseSection() },
    };
}
