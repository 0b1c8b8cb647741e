using Microsoft.EntityFrameworkCore;
using Partages.Contracts.V1;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Results;
using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Scheduling;

/// <summary>The state changes every operation of the scheduler shares: offer, fail, transition, close the evaluation.</summary>
public sealed partial class RunScheduler
{
    private static string Reason(string given, string fallback)
    {
        var trimmed = given.Trim();
        return trimmed.Length == 0 ? fallback : trimmed.Length > 1000 ? trimmed[..1000] : trimmed;
    }

    private CoordinatorMessage Offer(
        CoordinatorDbContext db, RunEntity run, EvaluationEntity evaluation, ArtifactEntity artifact, DateTimeOffset now, string reason, Changes changes)
    {
        Transition(db, run, RunStatus.Offered, reason, now, changes);
        run.LeaseExpiresAt = now + Lease;
        return new CoordinatorMessage
        {
            Offer = new JobOffer
            {
                RunId = run.Id,
                EvaluationId = evaluation.Id,
                SpecYaml = evaluation.SpecYaml,
                SpecSha256 = evaluation.SpecSha256,
                ModelBundle = new ArtifactRef { Sha256 = artifact.Sha256, SizeBytes = artifact.SizeBytes, MediaType = artifact.MediaType },
                Dataset = evaluation.Dataset,
                LeaseSeconds = _options.LeaseSeconds,
                TraceParent = CoordinatorTelemetry.OfferTraceParent(evaluation.TraceParent, evaluation.Id, run.Id, run.NodeName),
                // Carried as given: the coordinator holds no signer keys; each node's policy decides whom it trusts.
                ModelSignature = evaluation.ModelSignature is { } signature ? BundleSignature.Parser.ParseFrom(signature) : null,
            },
        };
    }

    private static void Fail(CoordinatorDbContext db, RunEntity run, string reason, DateTimeOffset now, Changes changes) =>
        Transition(db, run, RunStatus.Failed, reason, now, changes);

    /// <summary>The run enters <paramref name="status"/> (RunEntity.MoveTo), recorded in its history; a slot it freed at its node is noted for <see cref="CommitAsync"/>.</summary>
    private static void Transition(CoordinatorDbContext db, RunEntity run, RunStatus status, string reason, DateTimeOffset now, Changes changes) =>
        Record(db, run, run.Status, run.MoveTo(status, reason, now), changes);

    /// <summary>
    /// Stores a history row the run produced when it left <paramref name="before"/>, and notes what changed. A slot it
    /// freed is offered again unless <paramref name="offerFreedSlot"/> is false: a run handed back by a stopping node, or
    /// refused by a busy one, would only come straight back.
    /// </summary>
    private static void Record(CoordinatorDbContext db, RunEntity run, RunStatus before, RunStateHistoryEntity entered, Changes changes, bool offerFreedSlot = true)
    {
        var status = entered.State;
        db.RunStateHistory.Add(entered);
        if (offerFreedSlot && RunLifecycle.HoldsSlot(before) && !RunLifecycle.HoldsSlot(status))
        {
            changes.MayOffer(run.NodeName);
        }

        if (run.Evaluation is { } evaluation)
        {
            changes.Evaluation(evaluation);
        }
        else
        {
            changes.Evaluation(run.EvaluationId);
        }

        if (RunLifecycle.IsFinal(status))
        {
            CoordinatorTelemetry.RunsFinished.Add(1, new KeyValuePair<string, object?>("state", RunLifecycle.Name(status)));
        }
    }

    /// <summary>
    /// After <paramref name="run"/> ended: closes its evaluation if no other run of it is still open. Which runs are open
    /// is asked of the database (ids only), corrected by the runs this context already changed and has not saved (a
    /// batch may end several runs of one evaluation); every run, with its result, is loaded only to close it.
    /// </summary>
    private async Task FinalizeIfLastAsync(CoordinatorDbContext db, RunEntity run, DateTimeOffset now, Changes changes, CancellationToken cancellationToken)
    {
        var evaluation = run.Evaluation!;
        if (RunLifecycle.IsFinal(evaluation.Status))
        {
            return;
        }

        var runs = db.Entry(evaluation).Collection(e => e.Runs);
        if (!runs.IsLoaded)
        {
            var openInDatabase = await db.Runs
                .Where(r => r.EvaluationId == evaluation.Id && r.Id != run.Id && RunLifecycle.Open.Contains(r.Status))
                .Select(r => r.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var tracked = db.ChangeTracker.Entries<RunEntity>().ToDictionary(e => e.Entity.Id, e => e.Entity.Status, StringComparer.Ordinal);
            if (openInDatabase.Any(id => !tracked.TryGetValue(id, out var status) || !RunLifecycle.IsFinal(status)))
            {
                return;
            }

            // Tracked runs keep their unsaved state; the others come with their results, for pooling.
            await runs.LoadAsync(cancellationToken).ConfigureAwait(false);
        }

        Finalize(evaluation, now, changes);
    }

    /// <summary>Closes the evaluation if it is running and every run is final.</summary>
    private void Finalize(EvaluationEntity evaluation, DateTimeOffset now, Changes changes)
    {
        if (RunLifecycle.IsFinal(evaluation.Status) || evaluation.Runs.Any(r => !RunLifecycle.IsFinal(r.Status)))
        {
            return;
        }

        using var activity = CoordinatorTelemetry.StartPooling(evaluation.Id);
        try
        {
            ResultPooler.Close(evaluation, now);
        }
        catch (InvalidDataException ex)
        {
            ResultPooler.Close(evaluation, now, EvaluationStatus.Failed, "the sites' results could not be pooled");
            Log.PoolingFailed(logger, ex, evaluation.Id);
        }

        changes.Evaluation(evaluation);
        CoordinatorTelemetry.EvaluationsFinished.Add(1, new KeyValuePair<string, object?>("state", evaluation.Status.ToString().ToLowerInvariant()));
        Log.EvaluationClosed(logger, evaluation.Id, evaluation.Status.ToString().ToLowerInvariant(), evaluation.Reason);
    }

    private static async Task<Dictionary<string, ArtifactEntity>> LoadArtifactsAsync(CoordinatorDbContext db, List<RunEntity> runs, CancellationToken cancellationToken)
    {
        var hashes = runs.Select(r => r.Evaluation!.ModelBundleSha256).Distinct().ToList();
        return await db.Artifacts.AsNoTracking().Where(a => hashes.Contains(a.Sha256))
            .ToDictionaryAsync(a => a.Sha256, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
    }
}
