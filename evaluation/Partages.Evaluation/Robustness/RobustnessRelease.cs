using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks;

namespace Partages.Evaluation.Robustness;

/// <summary>
/// The release gate's rules for a result with a robustness suite (docs/release-gate.md). Exact: each perturbed result
/// goes through the task's own exact rule. Private: the release's ρ is split evenly between the clean run and each
/// perturbation (a suite of K perturbations gives each ρ / (K + 1), so the release charges no more than one without a
/// suite); within a perturbation's share, 0.8 goes to its result (the task's own private rule) and 0.2 to its counts,
/// each count vector noised with its replace-one sensitivity:
/// <list type="bullet">
/// <item>paired discordance (clean only, perturbed only): a report's units are in at most one of the two, so replacing
/// it moves them by at most u each, Δ₂² = 2u², u = 1 document, or m·T gold entities (m per report and type, T types);</item>
/// <item>reports changed and unchanged: a report is in one, Δ₂² = 2;</item>
/// <item>entities lost (entity recognition): at most m·T per report, Δ₂² = (m·T)².</item>
/// </list>
/// </summary>
public static class RobustnessRelease
{
    internal const double ResultShare = 0.8;

    /// <summary>The clean result through <paramref name="release"/> (the task's rule), then every perturbation through the same rule.</summary>
    public static ResultDocument Exact(TaskType task, ResultDocument result, Func<ResultDocument, ResultDocument> release)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(release);
        var clean = release(result with { Robustness = null });
        if (result.Robustness is not { } suite)
        {
            return clean;
        }

        return RobustnessResults.Attach(clean, [.. suite.Perturbations.Select(p => p with { Result = release(p.Result) })]);
    }

    /// <summary>The clean result and each perturbation under their shares of <paramref name="policy"/>'s ρ (see the class).</summary>
    public static ResultDocument Private(TaskType task, ResultDocument result, PrivateRelease policy)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        if (result.Robustness is not { } suite)
        {
            return task.ReleasePrivate(result, policy);
        }

        var share = policy.RhoPerRelease / (suite.Perturbations.Count + 1);
        var clean = task.ReleasePrivate(result with { Robustness = null }, policy with { RhoPerRelease = share });
        var entitiesPerReport = (long)policy.MaxEntitiesPerReport * result.PerClass.Count;
        var unit = RobustnessResults.UnitOf(task) == PairedOutcomes.EntityUnit ? entitiesPerReport : 1;
        var countsRho = share * (1 - ResultShare) / (task.CountsEntities ? 3 : 2);
        var pairedVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(countsRho, 2.0 * unit * unit));
        var reportsVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(countsRho, 2));
        var lostVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(countsRho, (double)entitiesPerReport * entitiesPerReport));
        var released = new List<PerturbationResult>();
        foreach (var perturbation in suite.Perturbations)
        {
            released.Add(new PerturbationResult
            {
                Perturbation = perturbation.Perturbation,
                Seed = perturbation.Seed,
                ReportsChanged = perturbation.ReportsChanged + policy.Sample(reportsVariance),
                ReportsUnchanged = perturbation.ReportsUnchanged + policy.Sample(reportsVariance),
                EntitiesLost = task.CountsEntities ? (perturbation.EntitiesLost ?? 0) + policy.Sample(lostVariance) : null,
                // One variance stated for the three: the largest, so no figure is read as less noisy than it is.
                CountNoiseVariance = task.CountsEntities ? Math.Max(reportsVariance.ToDouble(), lostVariance.ToDouble()) : reportsVariance.ToDouble(),
                Paired = new PairedOutcomes
                {
                    Unit = perturbation.Paired.Unit,
                    CleanOnly = perturbation.Paired.CleanOnly + policy.Sample(pairedVariance),
                    PerturbedOnly = perturbation.Paired.PerturbedOnly + policy.Sample(pairedVariance),
                    NoiseVariance = pairedVariance.ToDouble(),
                },
                Result = task.ReleasePrivate(perturbation.Result, policy with { RhoPerRelease = share * ResultShare }),
            });
        }

        // The top-level release states what the whole document spent: every share together is the release's ρ.
        var total = clean.Release?.DifferentialPrivacy is { } privacy
            ? clean with
            {
                Release = clean.Release with
                {
                    DifferentialPrivacy = privacy with { Rho = policy.RhoPerRelease, Epsilon = Zcdp.EpsilonOf(policy.RhoPerRelease, policy.Delta) },
                },
            }
            : clean;
        return RobustnessResults.Attach(total, released);
    }
}
