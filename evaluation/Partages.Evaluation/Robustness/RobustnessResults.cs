using Partages.Evaluation.Metrics.Agreement;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks;

namespace Partages.Evaluation.Robustness;

/// <summary>
/// The <c>robustness</c> section's derived figures, its checks at the coordinator's intake and its pooling. Everything
/// in it is a sum over reports (the perturbed runs' sufficient statistics, the reports changed, the discordant
/// units), so sites pool by addition and the pooled test is the test on the union of their reports.
/// </summary>
public static class RobustnessResults
{
    public const string SectionName = "robustness";

    /// <summary>Draws behind a p-value's interval from noisy counts.</summary>
    private const int Simulations = 2000;

    /// <summary>The unit of the paired counts for a task: the gold entity for a task that counts entities, else the document.</summary>
    public static string UnitOf(TaskType task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.CountsEntities ? PairedOutcomes.EntityUnit : PairedOutcomes.DocumentUnit;
    }

    /// <summary>The clean result with its suite, every derived figure (changes, McNemar) computed from the counts.</summary>
    public static ResultDocument Attach(ResultDocument clean, IReadOnlyList<PerturbationResult> perturbations)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(perturbations);
        return perturbations.Count == 0
            ? clean with { Robustness = null }
            : clean with { Robustness = new RobustnessSection([.. perturbations.Select(p => Derive(clean, p))]) };
    }

    /// <summary>One perturbation's changes against <paramref name="clean"/> and its McNemar test.</summary>
    public static PerturbationResult Derive(ResultDocument clean, PerturbationResult perturbation)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(perturbation);
        var perturbed = perturbation.Result;
        // Exact figures' Wilson intervals are sampling intervals of each run alone, not of a paired change: the paired
        // inference is McNemar's. Noisy figures' intervals carry the noise, which a change must show.
        var noisy = perturbed.Release?.DifferentialPrivacy is not null && clean.Release?.DifferentialPrivacy is not null;
        return perturbation with
        {
            Change = new FigureChanges(
                Change(clean.Accuracy, perturbed.Accuracy, noisy ? clean.Intervals?.Accuracy : null, noisy ? perturbed.Intervals?.Accuracy : null),
                // Micro F1 has no interval under DP in every task: left out there rather than shown without one.
                noisy ? null : Change(clean.Micro.F1, perturbed.Micro.F1, null, null),
                Change(clean.Macro.F1, perturbed.Macro.F1, noisy ? clean.Intervals?.MacroF1 : null, noisy ? perturbed.Intervals?.MacroF1 : null)),
            Paired = perturbation.Paired with { McNemar = Test(perturbation.Paired, perturbation.Perturbation) },
        };
    }

    /// <summary>
    /// Reads back a site's suite before it is stored: every perturbation the spec lists, once, in its order, each
    /// result a whole result of the task (its own sections checked by the slice), counts that are counts.
    /// </summary>
    /// <exception cref="InvalidDataException">The section is missing, extra or malformed.</exception>
    public static void Check(ResultDocument document, TaskType task, IReadOnlyList<string> labels, bool noisy, IReadOnlyList<RobustnessCheck> expected)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(expected);
        var section = document.Robustness;
        if (expected.Count == 0)
        {
            if (section is not null)
            {
                throw new InvalidDataException("the result has a robustness section but the spec lists no perturbation.");
            }

            return;
        }

        var names = section?.Perturbations?.Select(p => p?.Perturbation).ToList() ?? [];
        if (!names.SequenceEqual(expected.Select(e => e.Name)))
        {
            throw new InvalidDataException(
                $"the result's robustness perturbations [{string.Join(", ", names)}] are not the spec's [{string.Join(", ", expected.Select(e => e.Name))}].");
        }

        for (var i = 0; i < expected.Count; i++)
        {
            var entry = section!.Perturbations[i];
            var where = $"robustness '{entry.Perturbation}'";
            if (entry.Seed != expected[i].Seed)
            {
                throw new InvalidDataException($"{where}: seed {entry.Seed} is not the spec's {expected[i].Seed}.");
            }

            if (entry.Paired is null || entry.Result is null)
            {
                throw new InvalidDataException($"{where}: paired counts and result are required.");
            }

            if (entry.Paired.Unit != UnitOf(task))
            {
                throw new InvalidDataException($"{where}: paired unit '{entry.Paired.Unit}' is not '{UnitOf(task)}' for task '{task.Name}'.");
            }

            if (!noisy && (entry.ReportsChanged < 0 || entry.ReportsUnchanged < 0 || entry.EntitiesLost < 0 || entry.Paired.CleanOnly < 0 || entry.Paired.PerturbedOnly < 0))
            {
                throw new InvalidDataException($"{where}: exact counts cannot be negative.");
            }

            if (noisy != (entry.Paired.NoiseVariance is not null) || noisy != (entry.Result.Release?.DifferentialPrivacy is not null))
            {
                throw new InvalidDataException($"{where}: its counts are not released as the clean result's are (exact or noisy).");
            }

            if (entry.Result.Task != document.Task || entry.Result.Robustness is not null
                || entry.Result.ConfusionMatrix?.Labels is not { } perturbedLabels || !perturbedLabels.ToHashSet(StringComparer.Ordinal).SetEquals(document.ConfusionMatrix.Labels))
            {
                throw new InvalidDataException($"{where}: the perturbed result is not a result of the same task and labels.");
            }

            try
            {
                task.CheckSections(entry.Result, labels, noisy);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{where}: {ex.Message}", ex);
            }
        }
    }

    /// <summary>
    /// The pooled suite: per perturbation, the task's own pooling of the sites' perturbed results, and the counts
    /// summed (noise variances too). Left out, and named in <paramref name="omitted"/>, unless every site released the
    /// same perturbations: a pool of some sites would not be the union's.
    /// </summary>
    public static ResultDocument Pool(
        string task,
        IReadOnlyList<string> labels,
        ResultDocument pooledClean,
        IReadOnlyList<KeyValuePair<string, ResultDocument>> sites,
        List<OmittedSection> omitted)
    {
        ArgumentNullException.ThrowIfNull(pooledClean);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(omitted);
        var sections = sites.Select(s => s.Value.Robustness).ToList();
        if (sections.All(s => s is null))
        {
            return pooledClean;
        }

        var first = sections[0]?.Perturbations.Select(p => (p.Perturbation, p.Seed)).ToList();
        if (first is null || sections.Any(s => s is null || !s.Perturbations.Select(p => (p.Perturbation, p.Seed)).SequenceEqual(first)))
        {
            omitted.Add(new OmittedSection(SectionName, "not every included site released the same perturbations"));
            return pooledClean;
        }

        var slice = TaskRegistry.Get(task);
        var pooled = new List<PerturbationResult>();
        for (var i = 0; i < first.Count; i++)
        {
            var entries = sections.Select(s => s!.Perturbations[i]).ToList();
            var nested = slice.Pool(labels, [.. sites.Select((s, k) => KeyValuePair.Create(s.Key, entries[k].Result))]);
            if (nested.Pooled is null)
            {
                omitted.Add(new OmittedSection(SectionName, $"'{first[i].Perturbation}': the perturbed results could not be pooled"));
                return pooledClean;
            }

            pooled.Add(new PerturbationResult
            {
                Perturbation = first[i].Perturbation,
                Seed = first[i].Seed,
                ReportsChanged = entries.Sum(e => e.ReportsChanged),
                ReportsUnchanged = entries.Sum(e => e.ReportsUnchanged),
                EntitiesLost = entries.All(e => e.EntitiesLost is not null) ? entries.Sum(e => e.EntitiesLost!.Value) : null,
                CountNoiseVariance = SumOrNull(entries.Select(e => e.CountNoiseVariance)),
                Paired = new PairedOutcomes
                {
                    Unit = entries[0].Paired.Unit,
                    CleanOnly = entries.Sum(e => e.Paired.CleanOnly),
                    PerturbedOnly = entries.Sum(e => e.Paired.PerturbedOnly),
                    NoiseVariance = SumOrNull(entries.Select(e => e.Paired.NoiseVariance)),
                },
                Result = nested.Pooled,
            });
        }

        return Attach(pooledClean, pooled);
    }

    private static double? SumOrNull(IEnumerable<double?> values)
    {
        var list = values.ToList();
        return list.Any(v => v is not null) ? list.Sum(v => v ?? 0) : null;
    }

    private static FigureChange? Change(double? clean, double? perturbed, Interval? cleanInterval, Interval? perturbedInterval)
    {
        if (clean is null || perturbed is null)
        {
            return null;
        }

        var interval = cleanInterval is not null && perturbedInterval is not null
            ? new Interval(perturbedInterval.CiLow - cleanInterval.CiHigh, perturbedInterval.CiHigh - cleanInterval.CiLow)
            : null;
        return new FigureChange(clean.Value, perturbed.Value, perturbed.Value - clean.Value, interval);
    }

    /// <summary>Exact McNemar; from noisy counts the clipped counts' p with its interval over draws of the true counts.</summary>
    private static McNemarFigure Test(PairedOutcomes paired, string perturbation)
    {
        const string method = "exact_binomial";
        if (paired.NoiseVariance is not { } variance)
        {
            return new McNemarFigure(method, McNemar.ExactPValue(paired.CleanOnly, paired.PerturbedOnly), null);
        }

        var estimate = McNemar.ExactPValue(Math.Max(0, paired.CleanOnly), Math.Max(0, paired.PerturbedOnly));
        var random = new NoisySimulation.SeedBuilder("robustness-mcnemar")
            .Add(perturbation).Add(paired.CleanOnly).Add(paired.PerturbedOnly).Add(variance).Build();
        var draws = new double[Simulations];
        for (var i = 0; i < draws.Length; i++)
        {
            // Only the noise is drawn: the test itself accounts for sampling, the interval for what the noise hides.
            var b = Math.Max(0, Math.Round(paired.CleanOnly + Math.Sqrt(variance) * random.NextNormal()));
            var c = Math.Max(0, Math.Round(paired.PerturbedOnly + Math.Sqrt(variance) * random.NextNormal()));
            draws[i] = McNemar.ExactPValue((long)b, (long)c);
        }

        var interval = NoisySimulation.Interval(estimate, draws);
        return new McNemarFigure(method, estimate, new Interval(interval.CiLow ?? 0, interval.CiHigh ?? 1));
    }
}
