using System.Collections.Concurrent;
using Partages.Coordinator.Results;
using Partages.Coordinator.Scheduling;
using Partages.Evaluation.Results;
using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks;

namespace Partages.Coordinator.SecureAggregation;

/// <summary>
/// Closes a pooled-only evaluation (<see cref="ResultPooler"/> hands it here): the pooled result is the task's pooling
/// of the one document the secure sum fills (<see cref="SecureSumLayout.Fill"/>), the included sites are the sum's
/// contributors, and there is no per-site result and no heterogeneity. The sum waits here, in memory only, between
/// the session's end and the ledger write that closes the evaluation; nothing of it is stored but the pooled result.
/// </summary>
public static class SecureSumPooling
{
    private static readonly ConcurrentDictionary<string, SecureSumOutcomeRecord> Outcomes = new(StringComparer.Ordinal);

    /// <summary>Whether the evaluation's spec asks for a pooled-only (secure sum) evaluation.</summary>
    public static bool IsPooledOnly(EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return SpecParser.Parse(evaluation.SpecYaml).Spec?.PooledOnly == true;
    }

    internal static void Remember(string evaluationId, SecureSumOutcomeRecord outcome) => Outcomes[evaluationId] = outcome;

    internal static void Forget(string evaluationId) => Outcomes.TryRemove(evaluationId, out _);

    /// <summary>Fills the evaluation's pooled result and final state from its secure sum (or says why there is none).</summary>
    public static void Close(EvaluationEntity evaluation, DateTimeOffset now, EvaluationStatus? forced, string? forcedReason)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        Outcomes.TryRemove(evaluation.Id, out var outcome);
        var result = outcome?.Result;
        var contributors = result?.Contributors ?? [];
        var missing = evaluation.Runs
            .Where(r => !contributors.Contains(r.NodeName, StringComparer.Ordinal))
            .OrderBy(r => r.NodeName, StringComparer.Ordinal)
            .Select(r => new MissingSite(r.NodeName, Describe(r, outcome)))
            .ToList();
        ResultDocument? pooled = null;
        string? problem = null;
        if (result is not null && outcome is not null)
        {
            try
            {
                // Under distributed noise the pooled variances are every contributor's share's (SecureSumLayout.Pool).
                pooled = SecureSumLayout.Pool(outcome.LayoutJson, result.Sum, contributors.Count, ResultIntake.Labels(evaluation));
                if (pooled is not null && outcome.Announced is { } announced
                    && ResultPlausibility.CheckSum(pooled, announced, evaluation.Dataset) is { } implausible)
                {
                    problem = "the secure sum is implausible (a contributor may have forged its counts): " + implausible;
                }
            }
            catch (InvalidDataException ex)
            {
                problem = "the secure sum could not be read as the task's counts: " + ex.Message;
            }
        }

        var (status, reason) = forced is { } given ? (given, forcedReason ?? "")
            : result is null ? (EvaluationStatus.Failed, "the secure sum did not complete: " + (outcome?.FailureReason ?? "no site finished it"))
            : problem is not null ? (EvaluationStatus.Failed, problem)
            : contributors.Count >= evaluation.MinSites ? (EvaluationStatus.Completed, "")
            : (EvaluationStatus.Failed, $"the secure sum covers {contributors.Count} site(s); min_sites is {evaluation.MinSites}.");
        if (status != EvaluationStatus.Completed)
        {
            pooled = null;
        }

        var document = new PooledResultDocument
        {
            Task = evaluation.Task,
            Pooled = pooled,
            PerSite = new SortedDictionary<string, ResultDocument>(StringComparer.Ordinal),
            IncludedSites = pooled is null ? [] : contributors,
            MissingSites = missing,
            SecureSum = new SecureSumSection(
                SecureSumSection.Bonawitz2017,
                outcome?.Threshold ?? 0,
                outcome?.IntendedCohort ?? [.. evaluation.Runs.Select(r => r.NodeName).Order(StringComparer.Ordinal)],
                contributors,
                result?.DroppedAfterSharing ?? [],
                result?.LeftOut ?? [],
                new SortedDictionary<string, string>(outcome?.Refusals.ToDictionary() ?? [], StringComparer.Ordinal)),
        };
        evaluation.Close(
            status,
            reason,
            ManifestIntake.Attach(document, evaluation),
            document.IncludedSites,
            missing.Select(m => m.Site),
            now);
    }

    private static string Describe(RunEntity run, SecureSumOutcomeRecord? outcome)
    {
        if (outcome?.Refusals.TryGetValue(run.NodeName, out var refusal) == true)
        {
            return "refused the cohort: " + refusal;
        }

        if (outcome?.Result is { } result)
        {
            if (result.DroppedAfterSharing.Contains(run.NodeName, StringComparer.Ordinal))
            {
                return "dropped out of the secure sum after sharing its keys (its counts are not in the sum)";
            }

            if (result.LeftOut.Contains(run.NodeName, StringComparer.Ordinal))
            {
                return "dropped out of the secure sum before sharing its keys";
            }
        }

        var state = RunLifecycle.Name(run.Status);
        return string.IsNullOrEmpty(run.Reason) ? state : $"{state}: {run.Reason}";
    }
}
