using Microsoft.Extensions.Logging;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.Worker.Protocol;

namespace Partages.NodeAgent.Isolation;

/// <summary>
/// Runs each evaluation in its own inference worker process (<c>Partages.NodeAgent.Worker</c>) under a memory and a
/// time limit, so a model that exhausts memory, loops or crashes natively fails its run — with a reason the
/// coordinator may see — and never the agent. Cancelling kills the worker; so does the time limit. Inspecting a
/// dataset only hashes and counts a file, runs no model, and stays in process.
/// </summary>
public sealed partial class IsolatedEvaluationEngine : IEvaluationEngine
{
    /// <summary>How long a worker that has written its outcome may take to exit before it is killed.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);

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

    public Task<DatasetInfo> InspectAsync(DatasetDefinition dataset, CancellationToken cancellationToken) =>
        _inProcess.InspectAsync(dataset, cancellationToken);

    public async Task<ResultDocument> EvaluateAsync(EvaluationJob job, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        using var timeLimit = new CancellationTokenSource(_limits.RunTimeout, _timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);

        using var worker = WorkerProcess.Start(_command.CreateStartInfo(_limits), _maxDiagnosticsChars);
        LogStarted(_logger, worker.Id, job.Dataset.Name, _limits.DescribeTimeout(), _limits.MemoryLimitMb);
        WorkerStarted?.Invoke(worker.Id);

        WorkerMessage? outcome = null;
        // Killing ends stdout, which ends the read loop below: one path for the time limit, cancellation and a crash.
        using (stop.Token.Register(static state => ((WorkerProcess)state!).Kill(), worker))
        {
            try
            {
                await worker.SendAsync(WorkerRequest.From(job, _engineOptions), stop.Token).ConfigureAwait(false);
                await foreach (var message in worker.ReadMessagesAsync().ConfigureAwait(false))
                {
                    if (!message.IsOutcome)
                    {
                        progress?.Report(new EvaluationProgress(message.DocumentsDone ?? 0, message.DocumentsTotal ?? 0));
                        continue;
                    }

                    outcome = message;
                    break;
                }
            }
            catch (IOException)
            {
                // stdin broke: the worker died before reading its request; its exit code says why.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Killed while the request was being written.
            }
        }

        var exitCode = await worker.WaitForExitAsync(ExitGrace).ConfigureAwait(false);
        var diagnostics = await worker.GetDiagnosticsAsync().ConfigureAwait(false);

        if (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(_logger, worker.Id);
            throw new OperationCanceledException(cancellationToken);
        }

        if (outcome is null && timeLimit.IsCancellationRequested)
        {
            LogTimedOut(_logger, worker.Id, _limits.DescribeTimeout());
            throw new EvaluationRefusedException(WorkerExit.TimeoutReason(_limits));
        }

        return Conclude(worker, outcome, exitCode, diagnostics);
    }

    private ResultDocument Conclude(WorkerProcess worker, WorkerMessage? outcome, int exitCode, string diagnostics)
    {
        switch (outcome?.Type)
        {
            case WorkerMessageTypes.Result when outcome.Result is not null:
                LogSucceeded(_logger, worker.Id, exitCode);
                if (diagnostics.Length > 0)
                {
                    LogDiagnostics(_logger, worker.Id, diagnostics);
                }

                return outcome.Result;
            case WorkerMessageTypes.Refused:
                LogRefused(_logger, worker.Id, outcome.Reason ?? "");
                throw new EvaluationRefusedException(outcome.Reason ?? "the evaluation engine refused the job");
            case WorkerMessageTypes.OutOfMemory:
                LogOutOfMemory(_logger, worker.Id, _limits.MemoryLimitMb, diagnostics);
                throw new EvaluationRefusedException(WorkerExit.OutOfMemoryReason(_limits));
            case WorkerMessageTypes.Failed:
                LogWorkerError(_logger, worker.Id, outcome.Reason ?? "", diagnostics);
                throw new InvalidOperationException($"The inference worker failed with {outcome.Reason}; its stderr is in the node log.");
            default:
                break;
        }

        // No (usable) outcome: the worker died. Out of memory or a crash, told apart by its exit code and stderr.
        var failure = WorkerExit.ToException(exitCode, diagnostics, _limits);
        if (WorkerExit.IsOutOfMemory(exitCode, diagnostics))
        {
            LogOutOfMemory(_logger, worker.Id, _limits.MemoryLimitMb, diagnostics);
        }
        else
        {
            LogCrashed(_logger, worker.Id, WorkerExit.DescribeExit(exitCode), diagnostics);
        }

        throw failure;
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Inference worker {Pid} started for dataset '{Dataset}' (time limit {TimeLimit}, memory limit {MemoryLimitMb} MB)")]
    private static partial void LogStarted(ILogger logger, int pid, string dataset, string timeLimit, int memoryLimitMb);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Inference worker {Pid} finished the run (exit code {ExitCode})")]
    private static partial void LogSucceeded(ILogger logger, int pid, int exitCode);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Inference worker {Pid} killed: the run exceeded its time limit of {TimeLimit}")]
    private static partial void LogTimedOut(ILogger logger, int pid, string timeLimit);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Inference worker {Pid} ran out of memory (limit {MemoryLimitMb} MB). Its stderr: {Diagnostics}")]
    private static partial void LogOutOfMemory(ILogger logger, int pid, int memoryLimitMb, string diagnostics);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Inference worker {Pid} crashed ({Exit}). Its stderr: {Diagnostics}")]
    private static partial void LogCrashed(ILogger logger, int pid, string exit, string diagnostics);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Inference worker {Pid} killed: the run was cancelled")]
    private static partial void LogCancelled(ILogger logger, int pid);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Inference workers run without a memory limit on this system ({System}): only Linux lets the agent set one; the time limit still applies")]
    private static partial void LogMemoryLimitNotEnforced(ILogger logger, string system);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Debug, Message = "Inference worker {Pid} stderr: {Diagnostics}")]
    private static partial void LogDiagnostics(ILogger logger, int pid, string diagnostics);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "Inference worker {Pid}: the engine refused the job: {Reason}")]
    private static partial void LogRefused(ILogger logger, int pid, string reason);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Error, Message = "Inference worker {Pid} failed with {ExceptionType}. Its stderr: {Diagnostics}")]
    private static partial void LogWorkerError(ILogger logger, int pid, string exceptionType, string diagnostics);
}
