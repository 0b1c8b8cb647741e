using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.Evaluation.Robustness;
using Partages.Evaluation.Tasks;
using Partages.NodeAgent.Engine.Datasets;
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

        var task = TaskRegistry.Find(result.Task)
            ?? throw new EvaluationRefusedException($"results of task '{result.Task}' have no release rule on this node");
        try
        {
            // A robustness suite goes through the same task rule, perturbation by perturbation (RobustnessRelease).
            return rules.Privacy.Enabled
                ? RobustnessRelease.Private(task, result, PrivateRelease(rules.Privacy, noise))
                : RobustnessRelease.Exact(task, result, task.ReleaseExact);
        }
        catch (ReleaseRefusedException ex)
        {
            throw new EvaluationRefusedException(ex.Message, ex);
        }
    }

    /// <summary>Every kind a reader can set a line aside for (<see cref="SkipKinds.All"/>).</summary>
    internal static IReadOnlyList<string> KnownSkipKinds => SkipKinds.All;

    /// <summary>What a task's private release rule needs from the dataset's policy and this node.</summary>
    private static PrivateRelease PrivateRelease(DifferentialPrivacyPolicy policy, ICountNoise noise) =>
        new(policy.RhoPerRelease, policy.Delta, policy.MaxEntitiesPerReport, policy.MaxWordsPerReport, KnownSkipKinds, noise);
}
