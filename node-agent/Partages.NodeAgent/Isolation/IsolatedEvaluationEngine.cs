using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Isolation;

namespace Partages.NodeAgent.Isolation;

/// <summary>
/// Runs each evaluation in inference worker processes (<c>Partages.NodeAgent.Worker</c>) under a memory limit, a
/// per-call time limit and a run time limit, so a model that exhausts memory, loops or crashes natively never takes the
/// agent down — and, once reports are being read, never fails the run either: whether a run fails must not depend on
/// any one report (docs/threat-model.md). The engine itself counts a document whose inference call fails, runs out
/// of memory or outlasts the batch limit as <c>inference_failed</c>; a worker that dies anyway (a native crash, the
/// kernel's OOM killer, killed at the batch limit) is replaced by one that resumes after its last checkpoint with the
/// batch it died in isolated or counted failed (<see cref="RunRecovery"/>), and the segments' results are added up.
/// A run fails only for what is decided before reports are read (bundle, model load) or at its run time limit.
/// Cancelling kills the worker. Inspecting a dataset only hashes and counts a file, runs no model, and stays in process.
/// </summary>
public sealed partial class IsolatedEvaluationEngine : IEvaluationEngine
{
    private readonly IEvaluationEngine _inProcess;
    private readonly EvaluationEngineOptions _engineOptions;
    private readonly WorkerLimits _limits;
    private readonly WorkerCommand _command;
    private readonly int _maxDiagnosticsChars;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<IsolatedEvaluationEngine> _logger;

    /// <param name="inProcess">Serves <see cref="InspectAsync"/>.</param>
    /// <param name="engineOptions">Sent to each worker's engine.</param>
    /// <param name="workerPath">The worker's assembly; null: beside the agent's.</param>
    /// <exception cref="InvalidOperationException">The worker is not installed.</exception>
    public IsolatedEvaluationEngine(
        IEvaluationEngine inProcess,
        EvaluationEngineOptions engineOptions,
        WorkerLimits limits,
        ILogger<IsolatedEvaluationEngine> logger,
        TimeProvider? timeProvider = null,
        string? workerPath = null,
        int maxDiagnosticsChars = 16 * 1024)
    {
        ArgumentNullException.ThrowIfNull(inProcess);
        ArgumentNullException.ThrowIfNull(engineOptions);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(logger);
        _inProcess = inProcess;
        _engineOptions = engineOptions;
        _limits = limits;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _maxDiagnosticsChars = maxDiagnosticsChars;
        _command = WorkerCommand.Locate(workerPath);
        if (!_command.EnforcesMemoryLimit)
        {
            LogMemoryLimitNotEnforced(_logger, Environment.OSVersion.ToString());
        }
    }

    public WorkerLimits Limits => _limits;

    /// <summary>Raised with the process id once a worker has started (tests watch the process).</summary>
    internal event Action<int>? WorkerStarted;

    /// <summary>Raised with the worker's process id and the documents when an inference call starts (tests kill it there).</summary>
    internal event Action<int, long, long>? InferenceStarted;

    public Task<DatasetInfo> InspectAsync(DatasetDefinition dataset, CancellationToken cancellationToken) =>
        _inProcess.InspectAsync(dataset, cancellationToken);

    public async Task<ResultDocument> EvaluateAsync(EvaluationJob job, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        using var timeLimit = new CancellationTokenSource(_limits.RunTimeout, _timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);
        var plan = RunPlan.Full;
        var segments = new List<ResultDocument>();
        while (true)
        {
            AttemptOutcome attempt;
            using (var worker = WorkerProcess.Start(_command.CreateStartInfo(_limits), _maxDiagnosticsChars))
            {
                LogStarted(_logger, worker.Id, job.Dataset.Name, _limits.DescribeTimeout(), WorkerLimits.Describe(_limits.BatchTimeout), _limits.MemoryLimitMb, plan.StartDocument);
                WorkerStarted?.Invoke(worker.Id);
                var request = WorkerRequest.From(job, _engineOptions, plan);
                attempt = await WorkerAttempt.RunAsync(worker, request, _limits, _timeProvider, progress, InferenceStarted, stop.Token).ConfigureAwait(false);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                LogCancelled(_logger, attempt.Pid);
                throw new OperationCanceledException(cancellationToken);
            }

            if (attempt.Outcome is null && timeLimit.IsCancellationRequested)
            {
                // A safety net, not a limit a report should reach: each call is capped, so only a dataset too large for
                // the policy's run_timeout_minutes gets here (docs/threat-model.md, "Timing", the leak that remains).
                LogTimedOut(_logger, attempt.Pid, _limits.DescribeTimeout());
                throw new EvaluationRefusedException(WorkerExit.TimeoutReason(_limits));
            }

            if (attempt.Outcome is { Type: WorkerMessageTypes.Result, Result: { } result })
            {
                segments.Add(result);
                LogSucceeded(_logger, attempt.Pid, attempt.ExitCode, segments.Count);
                if (attempt.Diagnostics.Length > 0)
                {
                    LogDiagnostics(_logger, attempt.Pid, attempt.Diagnostics);
                }

                return SegmentResults.Merge(job.Spec.Task, job.Spec.Labels, segments);
            }

            plan = Recover(attempt, plan, segments) ?? throw Conclude(attempt);
        }
    }

    /// <summary>
    /// After a worker died (or ran out of memory outside any inference call) while reading reports: keeps what it
    /// counted up to its last checkpoint, and plans the rest. Null when the run must fail instead: the worker ended
    /// before reading any report (bundle, model load: no report's doing), it reported an error its engine threw (the
    /// same code would throw again), or no plan can make progress.
    /// </summary>
    private RunPlan? Recover(AttemptOutcome attempt, RunPlan plan, List<ResultDocument> segments)
    {
        var died = attempt.Outcome is null || attempt.Outcome.Type == WorkerMessageTypes.OutOfMemory;
        if (!died || !attempt.ReadingStarted)
        {
            return null;
        }

        if (attempt.LastCheckpoint is { Result: { } counted, Lines: { } lines, Documents: { } documents })
        {
            segments.Add(counted);
            plan = RunRecovery.ResumeAt(plan, lines, documents);
        }

        var culprit = attempt.Culprit;
        var next = RunRecovery.After(plan, culprit, _engineOptions.BatchSize, attempt.Lines ?? 0);
        var exit = attempt.KilledAtBatchLimit ? $"killed at the per-batch time limit of {WorkerLimits.Describe(_limits.BatchTimeout)}" : WorkerExit.DescribeExit(attempt.ExitCode);
        if (next is null)
        {
            LogNoProgress(_logger, attempt.Pid, exit, attempt.Diagnostics);
            return null;
        }

        var blamed = culprit is { } range ? $"documents {range.First}..{range.Last}" : "no inference call (between calls)";
        LogRestarting(_logger, attempt.Pid, exit, blamed, plan.StartDocument, next.Isolated.Count, next.Failed.Count, attempt.Diagnostics);
        return next;
    }

    /// <summary>The exception a run fails with when its worker ended without a result and no restart can help; the details go to the log.</summary>
    private Exception Conclude(AttemptOutcome attempt)
    {
        var (pid, outcome, exitCode, diagnostics) = (attempt.Pid, attempt.Outcome, attempt.ExitCode, attempt.Diagnostics);
        switch (outcome?.Type)
        {
            case WorkerMessageTypes.Refused:
                LogRefused(_logger, pid, outcome.Reason ?? "");
                return new EvaluationRefusedException(outcome.Reason ?? "the evaluation engine refused the job");
            case WorkerMessageTypes.OutOfMemory:
                LogOutOfMemory(_logger, pid, _limits.MemoryLimitMb, diagnostics);
                return new EvaluationRefusedException(WorkerExit.OutOfMemoryReason(_limits));
            case WorkerMessageTypes.Failed:
                LogWorkerError(_logger, pid, outcome.Reason ?? "", diagnostics);
                return new InvalidOperationException($"The inference worker failed with {outcome.Reason}; its stderr is in the node log.");
            default:
                break;
        }

        // No (usable) outcome: the worker died. Out of memory or a crash, told apart by its exit code and stderr.
        if (WorkerExit.IsOutOfMemory(exitCode, diagnostics))
        {
            LogOutOfMemory(_logger, pid, _limits.MemoryLimitMb, diagnostics);
        }
        else
        {
            LogCrashed(_logger, pid, WorkerExit.DescribeExit(exitCode), diagnostics);
        }

        return WorkerExit.ToException(exitCode, diagnostics, _limits);
    }
}
