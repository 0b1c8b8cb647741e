using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Partages.Evaluation.Specs;
using Partages.NodeAgent.Artifacts;
using Partages.NodeAgent.Hosting;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;
using Partages.NodeAgent.Session;
using Partages.NodeAgent.Telemetry;
using Partages.NodeAgent.Admission;

namespace Partages.NodeAgent.Jobs;

/// <summary>
/// Runs the jobs the coordinator offers: accept or reject, download the bundle, evaluate through
/// <see cref="IEvaluationEngine"/>, release the aggregates through the <see cref="ResultReleaseGate"/>. A job
/// never takes the agent down: every outcome becomes a message (failed, cancelled) whose reason is one of
/// <see cref="CoordinatorReasons"/>' categories; the details stay in the local log and the audit log. Jobs keep
/// running while the session reconnects; their messages wait in the <see cref="Outbox"/>.
/// When the agent stops, runs in progress get <see cref="AgentOptions.StopGracePeriod"/> to finish; what is still
/// running then is cancelled and handed back to the coordinator (JobHandedBack), which offers it again when the
/// agent is back: a stop never loses a run nor fails it.
/// </summary>
public sealed partial class JobRunner(
    JobAdmission admission,
    IEvaluationEngine engine,
    ArtifactStore artifacts,
    ModelTrustCheck modelTrust,
    ResultReleaseGate releaseGate,
    Outbox outbox,
    AgentOptions options,
    TimeProvider timeProvider,
    ILogger<JobRunner> logger) : IHostedService, IDisposable
{
    /// <summary>What the coordinator hears of an unexpected error: the generic category, like any failure at the node.</summary>
    public const string InternalErrorReason = CoordinatorReasons.RunFailed;

    /// <summary>Why a run was handed back, as the coordinator shows it.</summary>
    public const string HandedBackReason = "handed back: the node agent was stopping";

    private readonly ConcurrentDictionary<string, ActiveRun> _runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _admission = new();
    private volatile bool _stopping;

    /// <summary>Runs not yet final here: accepted, downloading, running, or waiting for their result to be stored.</summary>
    public IReadOnlyList<string> ActiveRunIds => [.. _runs.Keys.Order(StringComparer.Ordinal)];

    public void HandleOffer(JobOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        try
        {
            Admit(offer);
        }
        catch (Exception ex)
        {
            LogOfferError(logger, offer.RunId, ex);
            Send(new NodeMessage { Rejected = new JobRejected { RunId = offer.RunId, Reason = InternalErrorReason } });
        }
    }

    public void HandleCancel(CancelJob cancel)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (_runs.TryGetValue(cancel.RunId, out var run))
        {
            LogCancelRequested(logger, cancel.RunId, cancel.Reason);
            run.RequestCancel();
            return;
        }

        // Not (or no longer) running here: acknowledge so the coordinator can close the run.
        LogCancelUnknownRun(logger, cancel.RunId);
        Send(new NodeMessage { Cancelled = new JobCancelled { RunId = cancel.RunId } });
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Takes no new run, lets the runs in progress finish within the grace period, then cancels the rest: each is
    /// handed back before the session (stopped after this) flushes the outbox and closes.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var running = _runs.Values.ToArray();
        if (running.Length > 0)
        {
            LogDraining(logger, running.Length, options.StopGracePeriod.TotalSeconds);
            try
            {
                await Task.WhenAll(running.Select(r => r.Completion)).WaitAsync(options.StopGracePeriod, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                // The grace period is over (or the host gave up waiting): what still runs is handed back below.
            }
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_runs.Values.Select(r => r.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
        LogStopped(logger, running.Count(r => r.Outcome == RunOutcome.Finished), running.Count(r => r.Outcome == RunOutcome.HandedBack));
    }

    public void Dispose() => _shutdown.Dispose();

    private void Admit(JobOffer offer)
    {
        if (string.IsNullOrEmpty(offer.RunId))
        {
            LogOfferWithoutRunId(logger);
            return;
        }

        if (_runs.TryGetValue(offer.RunId, out var existing))
        {
            // The same offer again (e.g. after a reconnect): accepted again once admitted; while its snapshot is
            // still being checked, the answer to the first offer is on its way.
            if (existing.Accepted)
            {
                Send(new NodeMessage { Accepted = new JobAccepted { RunId = offer.RunId } });
            }

            return;
        }

        if (_stopping)
        {
            // Not looked at, so nothing to audit: the coordinator offers it again when the agent is back.
            LogHandedBack(logger, offer.RunId);
            Send(new NodeMessage { HandedBack = new JobHandedBack { RunId = offer.RunId, Reason = HandedBackReason } });
            return;
        }

        admission.Received(offer);
        var screening = admission.Screen(offer);
        if (!screening.Passed || screening.Spec is null || screening.Dataset is null)
        {
            // A faulty offer is about the offer and node.yaml alone, never the data: sent as it is (docs/node-agent.md,
            // "What the coordinator hears"); a policy refusal only as its category.
            var reason = screening.Refusal ?? InternalErrorReason;
            Reject(offer, reason, screening.ByPolicy ? CoordinatorReasons.PolicyRefused : reason);
            return;
        }

        ActiveRun run;
        lock (_admission)
        {
            var running = _runs.Values.Count(r => !r.Submitting);
            if (running >= options.MaxConcurrentRuns)
            {
                Reject(offer, $"the node is already running {running} run(s) (max_concurrent_runs: {options.MaxConcurrentRuns})", CoordinatorReasons.AtCapacity);
                return;
            }

            run = new ActiveRun(offer.RunId, _shutdown.Token);
            _runs[offer.RunId] = run;
        }

        run.Completion = Task.Run(() => ExecuteAsync(run, offer, screening.Spec, screening.Dataset));
    }

    /// <param name="reason">The full reason, for the log and the audit log.</param>
    /// <param name="category">What the coordinator hears (<see cref="CoordinatorReasons"/>).</param>
    private void Reject(JobOffer offer, string reason, string category)
    {
        LogRejected(logger, offer.RunId, reason);
        admission.Refused(offer, reason);
        Send(new NodeMessage { Rejected = new JobRejected { RunId = offer.RunId, Reason = category } });
    }

    private static int? MaxEntities(DifferentialPrivacyPolicy privacy) => privacy.Enabled ? privacy.MaxEntitiesPerReport : null;

    private static int? MaxWords(DifferentialPrivacyPolicy privacy) => privacy.Enabled ? privacy.MaxWordsPerReport : null;

    private async Task ExecuteAsync(ActiveRun run, JobOffer offer, EvaluationSpec spec, DatasetDefinition dataset)
    {
        var cancellationToken = run.Token;
        using var trace = JobTrace.Start(offer);    // Telemetry/: the job span, under the offer's trace_parent
        var stage = RunStage.Admission;             // decides what the coordinator hears if the run stops (CoordinatorReasons)
        try
        {
            // Admission, before accepting: the snapshot must still be the one the policy approved (read once per change).
            var admitted = await admission.CheckSnapshotAsync(
                dataset, new OfferIdentity(offer.RunId, offer.SpecSha256, offer.ModelBundle.Sha256), cancellationToken).ConfigureAwait(false);
            if (!admitted.Admitted || admitted.Snapshot is null)
            {
                Reject(offer, admitted.Reason ?? InternalErrorReason, CoordinatorReasons.PolicyRefused);
                return;
            }

            run.Accepted = true;
            LogAccepted(logger, offer.RunId, offer.EvaluationId, spec.Name, dataset.Name);
            Send(new NodeMessage { Accepted = new JobAccepted { RunId = offer.RunId } });
            // Manual approval waits here, accepted; the heartbeats (which list this run) keep the coordinator's lease.
            stage = RunStage.Approval;
            AnnounceApprovalWait(run, JobApprovalStage.Run);
            var approval = await admission.ApproveRunAsync(offer, spec, admitted.Snapshot, cancellationToken).ConfigureAwait(false);
            if (!approval.Approved)
            {
                LogRejected(logger, run.RunId, approval.Reason ?? "");
                Finish(run, new NodeMessage { Rejected = new JobRejected { RunId = run.RunId, Reason = CoordinatorReasons.HospitalRejected } });
                return;
            }

            admission.RunStarted(run.RunId, dataset.Name, admitted.Snapshot.Fingerprint);
            var request = new ReleaseRequest(run.RunId, dataset, offer.SpecSha256, offer.ModelBundle.Sha256) { DatasetFingerprint = admitted.Snapshot.Fingerprint, PooledOnly = spec.PooledOnly };
            ReleasedPayload payload;
            if (admitted.Snapshot.Repeat && releaseGate.TryRepeat(request) is { } repeat)
            {
                // A request already released on this snapshot gets the same bytes back, and no model runs at all.
                stage = RunStage.Release;
                payload = repeat;
            }
            else
            {
                var bundlePath = await ModelAsync(run, offer, spec, trace, s => stage = s, cancellationToken).ConfigureAwait(false);

                trace.Phase(NodeAgentTelemetry.EvaluateSpan);
                stage = RunStage.Evaluation;
                LogEvaluating(logger, run.RunId, dataset.Name);
                // Fixed fractions of the dataset's line count, never the engine's batch boundaries (CoarseProgress).
                var runSteps = new CoarseProgress(options.ProgressStep);
                var result = await engine.EvaluateAsync(
                    // Under differential privacy, entity recognition counts at most the policy's entities per report.
                    new EvaluationJob(bundlePath, spec, dataset) { MaxEntitiesPerReport = MaxEntities(admitted.Snapshot.Policy.DifferentialPrivacy), MaxWordsPerReport = MaxWords(admitted.Snapshot.Policy.DifferentialPrivacy) },
                    new InlineProgress<EvaluationProgress>(p => ReportRunning(run, runSteps, p)),
                    cancellationToken).ConfigureAwait(false);
                outbox.DropProgress(run.RunId);

                trace.Phase(NodeAgentTelemetry.ReleaseSpan);
                stage = RunStage.Release;
                payload = await releaseGate.PrepareAsync(request, result, cancellationToken).ConfigureAwait(false);
            }

            // Manual approval: the exact payload is shown and must be approved by its SHA-256 before it leaves.
            AnnounceApprovalWait(run, JobApprovalStage.Payload);
            var payloadApproval = await admission.ApprovePayloadAsync(payload, cancellationToken).ConfigureAwait(false);
            if (!payloadApproval.Approved)
            {
                End(run, new RunEnding(RunEndKind.Failed, payloadApproval.Reason ?? "the hospital withheld the result", CoordinatorReasons.HospitalRejected));
                return;
            }

            // The model has finished: the slot is free for the next offer while the submission (retried until
            // stored) completes; otherwise an offer arriving in that gap would be refused as over capacity.
            run.Submitting = true;
            stage = RunStage.Submission;
            var manifest = new RunManifest
            {
                Dataset = dataset.Name,
                DatasetFingerprint = admitted.Snapshot.Fingerprint,
                AgentVersion = AgentInfo.AgentVersion,
                OnnxruntimeVersion = AgentInfo.OnnxRuntimeVersion,
            };
            var submitted = payload.WithManifest(manifest);
            var outcome = await releaseGate.SubmitAsync(spec.PooledOnly ? submitted.ForSecureSum(spec.Labels) : submitted, cancellationToken).ConfigureAwait(false);
            admission.Released(run.RunId);
            LogSucceeded(logger, run.RunId, outcome.Sha256);
        }
        catch (Exception ex)
        {
            End(run, RunEnding.Of(ex, stage, run.CancelRequested, _shutdown.IsCancellationRequested));
        }
        finally
        {
            outbox.DropProgress(run.RunId);
            _runs.TryRemove(run.RunId, out _);
            run.Dispose();
        }

        // Whatever the result (succeeded, failed, rejected…), the run did not need handing back.
        if (run.Outcome == RunOutcome.Running)
        {
            run.Outcome = RunOutcome.Finished;
        }
    }

    /// <summary>
    /// Downloads the offer's bundle and checks its trust (pinned, or signed by a trusted signer) before anything loads
    /// it. A task that runs no model (dataset QC) has none: nothing is downloaded or loaded, and the path is empty; one
    /// that may take a bundle (dataset QC's tokenizer) and was offered one gets it through the same checks.
    /// </summary>
    private async Task<string> ModelAsync(ActiveRun run, JobOffer offer, EvaluationSpec spec, JobTrace trace, Action<RunStage> setStage, CancellationToken cancellationToken)
    {
        if (!Partages.Evaluation.Tasks.TaskRegistry.Get(spec.Task).UsesModel && offer.ModelBundle is not { Sha256.Length: > 0 })
        {
            return "";
        }

        trace.Phase(NodeAgentTelemetry.DownloadSpan);
        setStage(RunStage.Download);
        var downloadThrottle = new ProgressThrottle(timeProvider, options.ProgressInterval, options.ProgressStep);
        var bundlePath = await artifacts.GetAsync(
            offer.ModelBundle,
            new InlineProgress<DownloadProgress>(p => ReportProgress(run, downloadThrottle, JobPhase.Downloading, p.BytesDone, p.BytesTotal)),
            cancellationToken).ConfigureAwait(false);
        // Pinned, or signed over this very hash by a trusted signer: else refused before anything loads it.
        setStage(RunStage.Trust);
        await modelTrust.CheckAsync(run.RunId, offer, bundlePath, cancellationToken).ConfigureAwait(false);
        return bundlePath;
    }

    /// <summary>The one report of a run that did not succeed: the node's log, the audit log (and job file), then the coordinator.</summary>
    private void End(ActiveRun run, RunEnding ending)
    {
        switch (ending.Kind)
        {
            case RunEndKind.Cancelled:
                LogCancelled(logger, run.RunId);
                admission.RunCancelled(run.RunId);
                break;
            case RunEndKind.HandedBack:
                run.Outcome = RunOutcome.HandedBack;
                LogHandedBack(logger, run.RunId);
                admission.RunFailed(run.RunId, ending.Reason);
                break;
            case RunEndKind.Failed:
                LogFailed(logger, run.RunId, ending.Reason, ending.Exception);
                admission.RunFailed(run.RunId, ending.Reason);
                break;
            default:
                LogInternalError(logger, run.RunId, ending.Exception);
                admission.RunFailed(run.RunId, ending.Reason);
                break;
        }

        Finish(run, ending.ToMessage(run.RunId));
    }

    /// <summary>
    /// Tells the coordinator the run now waits for a person (manual approval), so the evaluator sees awaiting_approval
    /// and for how long, not an accepted run stuck at 0 %. Only the stage leaves: never who decides or why.
    /// </summary>
    private void AnnounceApprovalWait(ActiveRun run, JobApprovalStage approvalStage)
    {
        if (admission.ManualApproval)
        {
            Send(new NodeMessage { AwaitingApproval = new JobAwaitingApproval { RunId = run.RunId, Stage = approvalStage } });
        }
    }

    private void Finish(ActiveRun run, NodeMessage message)
    {
        outbox.DropProgress(run.RunId);
        Send(message);
    }

    private void ReportProgress(ActiveRun run, ProgressThrottle throttle, JobPhase phase, long done, long total)
    {
        if (throttle.ShouldReport(done, total))
        {
            outbox.ReportProgress(new JobProgress { RunId = run.RunId, Phase = phase, Done = done, Total = total });
        }
    }

    private void ReportRunning(ActiveRun run, CoarseProgress steps, EvaluationProgress progress)
    {
        foreach (var done in steps.Next(progress.DocumentsDone, progress.DocumentsTotal))
        {
            outbox.ReportProgress(new JobProgress { RunId = run.RunId, Phase = JobPhase.Running, Done = done, Total = progress.DocumentsTotal });
        }
    }

    private void Send(NodeMessage message) => outbox.Enqueue(NodeAgentTelemetry.Observe(message));

    private sealed class ActiveRun(string runId, CancellationToken shutdown) : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        private volatile bool _cancelRequested;

        public string RunId { get; } = runId;

        public CancellationToken Token => _cancellation.Token;

        public bool CancelRequested => _cancelRequested;

        /// <summary>Admitted and accepted: a repeated offer is answered JobAccepted again.</summary>
        public bool Accepted { get; set; }

        /// <summary>Inference is over and the released payload is being submitted; it no longer holds a run slot.</summary>
        public bool Submitting { get; set; }

        public Task Completion { get; set; } = Task.CompletedTask;

        public RunOutcome Outcome { get; set; } = RunOutcome.Running;

        public void RequestCancel()
        {
            _cancelRequested = true;
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended between the lookup and the cancel.
            }
        }

        public void Dispose() => _cancellation.Dispose();
    }
}

/// <summary>How a run ended, for the stop's summary.</summary>
internal enum RunOutcome
{
    Running,
    Finished,
    HandedBack,
}
