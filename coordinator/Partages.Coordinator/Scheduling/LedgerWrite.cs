using Partages.Coordinator.Results;
using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// One operation's work under the ledger's gate: its database context, its clock reading, and what it changed. A run's
/// change (a method of <see cref="RunEntity"/>) is recorded here with its history row; an evaluation whose last run
/// ended is closed here; <see cref="CommitAsync"/> offers the slots the operation freed, then saves.
/// </summary>
public sealed partial class LedgerWrite(RunLedger ledger, CoordinatorDbContext db, DateTimeOffset now, LedgerChanges changes) : IAsyncDisposable
{
    public CoordinatorDbContext Db => db;

    /// <summary>The operation's one reading of the clock: every change it makes happens at this instant.</summary>
    public DateTimeOffset Now => now;

    /// <summary>When a lease given or renewed now runs out.</summary>
    public DateTimeOffset LeaseUntil => now + ledger.Lease;

    public LedgerChanges Changes => changes;

    public RunLedger Ledger => ledger;

    /// <summary>
    /// Stores the history row of <paramref name="transition"/> (none when the run stayed where it was) and notes what
    /// changed. A slot the run freed is offered again unless <paramref name="offerFreedSlot"/> is false: a run handed back
    /// by a stopping node, or refused by a busy one, would only come straight back.
    /// </summary>
    public void Record(RunEntity run, RunTransition? transition, bool offerFreedSlot = true)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (transition is not { } moved)
        {
            return;
        }

        var status = moved.Entered.State;
        db.RunStateHistory.Add(moved.Entered);
        if (offerFreedSlot && RunLifecycle.HoldsSlot(moved.From) && !RunLifecycle.HoldsSlot(status))
        {
            changes.MayOffer(run.NodeName);
        }

        Touched(run);
        if (RunLifecycle.IsFinal(status))
        {
            CoordinatorTelemetry.RunsFinished.Add(1, new KeyValuePair<string, object?>("state", RunLifecycle.Name(status)));
        }
    }

    /// <summary>The run's evaluation has something new for its watchers (progress counts).</summary>
    public void Touched(RunEntity run)
    {
        ArgumentNullException.ThrowIfNull(run);
        changes.Run(run.Evaluation?.Id ?? run.EvaluationId, run.Id);
    }

    /// <summary>Offers the run to its node, recorded; returns the message to send once committed.</summary>
    /// <param name="artifact">The evaluation's bundle; null for a task that runs no model (its offer names an empty bundle).</param>
    public CoordinatorMessage Offer(RunEntity run, ArtifactEntity? artifact, string reason)
    {
        ArgumentNullException.ThrowIfNull(run);
        var evaluation = run.Evaluation!;
        Record(run, run.Offer(reason, now, LeaseUntil));
        return new CoordinatorMessage
        {
            Offer = new JobOffer
            {
                RunId = run.Id,
                EvaluationId = evaluation.Id,
                SpecYaml = evaluation.SpecYaml,
                SpecSha256 = evaluation.SpecSha256,
                ModelBundle = artifact is null ? new ArtifactRef() : new ArtifactRef { Sha256 = artifact.Sha256, SizeBytes = artifact.SizeBytes, MediaType = artifact.MediaType },
                Dataset = evaluation.Dataset,
                LeaseSeconds = ledger.Options.LeaseSeconds,
                TraceParent = CoordinatorTelemetry.OfferTraceParent(evaluation.TraceParent, evaluation.Id, run.Id, run.NodeName),
                // Carried as given: the coordinator holds no signer keys; each node's policy decides whom it trusts.
                ModelSignature = evaluation.ModelSignature is { } signature ? BundleSignature.Parser.ParseFrom(signature) : null,
            },
        };
    }

    /// <summary>
    /// After <paramref name="run"/> ended: closes its evaluation if no other run of it is still open. Which runs are open
    /// is asked of the database (ids only), corrected by the runs this context already changed and has not saved (a
    /// batch may end several runs of one evaluation); every run, with its result, is loaded only to close it.
    /// </summary>
    public async Task FinalizeIfLastAsync(RunEntity run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var evaluation = run.Evaluation!;
        if (RunLifecycle.IsFinal(evaluation.Status))
        {
            return;
        }

        var runs = db.Entry(evaluation).Collection(e => e.Runs);
        if (!runs.IsLoaded)
        {
            // One row at most: a run open in the database that this context has not ended. (Reading every open run's id
            // for every result made the results of a 1,000-node evaluation read half a million ids.)
            var endedHere = db.ChangeTracker.Entries<RunEntity>()
                .Where(e => e.Entity.EvaluationId == evaluation.Id && RunLifecycle.IsFinal(e.Entity.Status))
                .Select(e => e.Entity.Id)
                .ToList();
            var stillOpen = await db.Runs
                .AnyAsync(r => r.EvaluationId == evaluation.Id && r.Id != run.Id && RunLifecycle.Open.Contains(r.Status) && !endedHere.Contains(r.Id), cancellationToken)
                .ConfigureAwait(false);
            if (stillOpen)
            {
                return;
            }

            // Tracked runs keep their unsaved state; the others come with their results, for pooling.
            await runs.LoadAsync(cancellationToken).ConfigureAwait(false);
        }

        Finalize(evaluation);
    }

    /// <summary>Closes the evaluation if it is running and every run is final.</summary>
    public void Finalize(EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
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
            Log.PoolingFailed(ledger.Logger, ex, evaluation.Id);
        }

        changes.Evaluation(evaluation);
        var state = RunLifecycle.Name(evaluation.Status);
        CoordinatorTelemetry.EvaluationsFinished.Add(1, new KeyValuePair<string, object?>("state", state));
        Log.EvaluationClosed(ledger.Logger, evaluation.Id, state, evaluation.Reason);
    }

    /// <summary>The model bundles of <paramref name="runs"/>' evaluations, by hash (for offers).</summary>
    public async Task<Dictionary<string, ArtifactEntity>> LoadArtifactsAsync(IEnumerable<RunEntity> runs, CancellationToken cancellationToken)
    {
        var hashes = runs.Select(r => r.Evaluation!.ModelBundleSha256).Distinct().ToList();
        return await db.Artifacts.AsNoTracking().Where(a => hashes.Contains(a.Sha256))
            .ToDictionaryAsync(a => a.Sha256, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => db.DisposeAsync();

    private static partial class Log
    {
        [LoggerMessage(405, LogLevel.Information, "Evaluation {EvaluationId} is {State}. {Reason}")]
        public static partial void EvaluationClosed(ILogger logger, string evaluationId, string state, string reason);

        [LoggerMessage(409, LogLevel.Error, "The results of evaluation {EvaluationId} could not be pooled.")]
        public static partial void PoolingFailed(ILogger logger, Exception exception, string evaluationId);
    }
}
