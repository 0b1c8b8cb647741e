using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.Evaluation.Robustness;
using Partages.Evaluation.Tasks;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Policy;
using Partages.SecureAggregation.Noise;

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
    public static ResultDocument Apply(ResultDocument result, DisclosureRules rules, ICountNoise noise) =>
        Apply(result, rules, noise, rules?.Privacy.RhoPerRelease ?? 0);

    /// <summary><see cref="Apply(ResultDocument, DisclosureRules, ICountNoise)"/> with the task's noise calibrated to <paramref name="rho"/>.</summary>
    private static ResultDocument Apply(ResultDocument result, DisclosureRules rules, ICountNoise noise, double rho)
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
                ? RobustnessRelease.Private(task, result, PrivateRelease(rules.Privacy, rho, noise))
                : RobustnessRelease.Exact(task, result, task.ReleaseExact);
        }
        catch (ReleaseRefusedException ex)
        {
            throw new EvaluationRefusedException(ex.Message, ex);
        }
    }

    /// <summary>
    /// The release of a pooled-only evaluation (docs/secure-aggregation.md, "Distributed noise"): exact counts when the
    /// dataset's privacy is off, else this node's share of Skellam noise. The task's own release rule runs twice: first
    /// with a probe at the policy's ρ to find the smallest variance v a discrete Gaussian release would use (it depends
    /// only on the policy and the labels, never on the counts), then with ρ·t/y, so that every count carries Skellam
    /// noise of variance y·σ²/t (<see cref="SkellamShareNoise"/>), y = <see cref="SkellamCalibration.Inflation"/>(v):
    /// any t contributors' shares add up to variance ≥ y·σ², which is ρ-zCDP (orders ≥ 2) by Agarwal, Kairouz and Liu.
    /// The variances stated are this node's share's; ρ and ε stated are the policy's, which the ledger charges.
    /// </summary>
    /// <param name="threshold">t: the fewest contributors this node accepts to be unmasked with; the secure sum refuses a lower threshold.</param>
    /// <exception cref="EvaluationRefusedException">As <see cref="Apply"/>, or the result cannot be released into a secure sum under DP.</exception>
    public static ResultDocument ApplyPooled(ResultDocument result, DisclosureRules rules, int threshold, ICountNoise shareNoise)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(shareNoise);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        var privacy = rules.Privacy;
        if (!privacy.Enabled)
        {
            return Apply(result, rules, shareNoise);
        }

        if (result.Robustness is not null)
        {
            throw new EvaluationRefusedException("a robustness suite cannot be released into a secure sum under differential privacy yet; ask for per-site results or switch the suite off");
        }

        // The calibration sums are noised on their own scales (confidence sums at 1000² and squared errors at
        // (2·1000²)² times a count's variance, NoisyCalibration): Skellam shares that large are beyond the exact
        // sampler, whose cost is linear in μ (SkellamParameter.MaximumMu), so every node refused the whole release.
        // The section is withheld from a secure sum under DP, and the release's ρ goes to the sections kept.
        var withheldCalibration = result.Calibration is not null;
        result = result with { Calibration = null };
        var rho = privacy.RhoPerRelease;
        var probe = new VarianceProbe();
        Apply(result, rules, probe, rho);
        // RoundUp adds at most 2^-32 to a variance: the lower bound keeps the calibration on the safe side.
        var smallest = probe.Smallest is { } asked ? asked - 2.5e-10 : double.PositiveInfinity;
        if (!(smallest > 0))
        {
            throw new EvaluationRefusedException("the release asks for a noise variance too small to calibrate a secure sum's Skellam noise; check the policy's epsilon_per_release");
        }

        var inflation = double.IsPositiveInfinity(smallest) ? 1 : SkellamCalibration.Inflation(smallest);
        var shares = Apply(result, rules, shareNoise, rho * threshold / inflation);
        var stated = shares.Release?.DifferentialPrivacy
            ?? throw new EvaluationRefusedException($"results of task '{result.Task}' state no noise; they cannot be released into a secure sum under differential privacy");
        return shares with
        {
            Release = shares.Release with
            {
                DifferentialPrivacy = stated with
                {
                    Mechanism = DifferentialPrivacyRelease.Skellam,
                    Rho = rho,
                    Epsilon = Zcdp.EpsilonOf(rho, privacy.Delta),
                    NoiseThreshold = threshold,
                },
                WithheldSections = withheldCalibration
                    ? [.. shares.Release.WithheldSections, new WithheldSection("calibration", CalibrationWithheld)]
                    : shares.Release.WithheldSections,
            },
        };
    }

    /// <summary>Why a secure sum under DP carries no calibration section.</summary>
    internal const string CalibrationWithheld =
        "not released into a secure sum under differential privacy: its sums' noise shares exceed what the Skellam sampler draws (ask for per-site results for calibration)";

    /// <summary>Every kind a reader can set a line aside for (<see cref="SkipKinds.All"/>).</summary>
    internal static IReadOnlyList<string> KnownSkipKinds => SkipKinds.All;

    /// <summary>What a task's private release rule needs from the dataset's policy and this node.</summary>
    private static PrivateRelease PrivateRelease(DifferentialPrivacyPolicy policy, double rho, ICountNoise noise) =>
        new(rho, policy.Delta, policy.MaxEntitiesPerReport, policy.MaxWordsPerReport, KnownSkipKinds, noise);
}
