using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.Admission;

/// <summary>How often the jobs folder is scanned again, besides the file-system notifications (which can be lost).</summary>
public sealed class ApprovalOptions
{
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Manual approval without an inbound port: the agent writes each waiting job to <c>&lt;data_directory&gt;/jobs/</c>;
/// <c>jobs approve|reject</c> writes a decision file beside it; the desk notices (a <see cref="FileSystemWatcher"/>, and
/// a re-scan every <see cref="ApprovalOptions.RescanInterval"/> in case a notification is lost) and wakes the job.
/// Only the agent writes job files; only the command writes decisions.
/// </summary>
public sealed partial class ApprovalDesk(
    NodeConfig config,
    NodePolicy policy,
    ApprovalOptions options,
    TimeProvider timeProvider,
    ILogger<ApprovalDesk> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, Waiter> _waiters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JobTicket> _tickets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _write = new();
    private FileSystemWatcher? _watcher;
    private Task _rescan = Task.CompletedTask;

    public string JobsDirectory { get; } = JobFiles.Directory(config);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (policy.Approval != ApprovalMode.Manual)
        {
            return Task.CompletedTask;
        }

        Directory.CreateDirectory(JobsDirectory);
        AbandonStaleJobs();
        _watcher = new FileSystemWatcher(JobsDirectory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
        _watcher.Created += (_, _) => Poke();
        _watcher.Changed += (_, _) => Poke();
        _watcher.Renamed += (_, _) => Poke();
        _watcher.Error += (_, e) =>
        {
            LogWatcherError(logger, e.GetException());
            Poke();
        };
        _watcher.EnableRaisingEvents = true;
        _rescan = RescanAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _watcher?.Dispose();
        await _rescan.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _stop.Dispose();
    }

    /// <summary>Writes (or replaces) the job's file.</summary>
    public void Save(JobTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_write)
        {
            var saved = ticket with { UpdatedAt = timeProvider.GetUtcNow() };
            _tickets[ticket.RunId] = saved;
            JobFiles.Write(JobFiles.TicketPath(JobsDirectory, ticket.RunId), saved);
        }
    }

    /// <summary>Changes a job file the desk wrote; nothing when the job has none (auto approval).</summary>
    public void Update(string runId, Func<JobTicket, JobTicket> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_tickets.TryGetValue(runId, out var ticket))
        {
            Save(change(ticket));
        }
    }

    /// <summary>The exact bytes that would leave, beside the job file, for the operator to read before approving.</summary>
    public void SavePayload(string runId, string payloadJson) =>
        JobFiles.WriteAtomically(JobFiles.PayloadPath(JobsDirectory, runId), payloadJson);

    /// <summary>
    /// Waits for a decision on this run's <paramref name="stage"/> that <paramref name="validate"/> accepts (it returns why
    /// not, or null); a decision that does not apply is logged and ignored, so a new one can be written.
    /// </summary>
    public async Task<OperatorDecision> WaitAsync(string runId, ApprovalStage stage, Func<OperatorDecision, string?> validate, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(runId, stage, validate);
        _waiters[runId] = waiter;
        try
        {
            Check(waiter);
            return await waiter.Decided.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _waiters.TryRemove(new KeyValuePair<string, Waiter>(runId, waiter));
        }
    }

    private void Poke()
    {
        foreach (var waiter in _waiters.Values)
        {
            Check(waiter);
        }
    }

    private void Check(Waiter waiter)
    {
        var path = JobFiles.DecisionPath(JobsDirectory, waiter.RunId, waiter.Stage);
        if (!File.Exists(path))
        {
            return;
        }

        var stamp = File.GetLastWriteTimeUtc(path).Ticks;
        var decision = JobFiles.ReadDecision(path);
        var problem = decision is null
            ? "it is not a decision file"
            : decision.Stage != JobFiles.StageName(waiter.Stage)
                ? $"it is for the {decision.Stage} stage"
                : waiter.Validate(decision);
        if (problem is null && decision is not null)
        {
            waiter.Decided.TrySetResult(decision);
            return;
        }

        if (Interlocked.Exchange(ref waiter.IgnoredStamp, stamp) != stamp)
        {
            LogDecisionIgnored(logger, waiter.RunId, path, problem ?? "unknown");
        }
    }

    private async Task RescanAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.RescanInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Poke();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Jobs left waiting or running by an agent that stopped: their runs were failed; say so in their files.</summary>
    private void AbandonStaleJobs()
    {
        foreach (var ticket in JobFiles.ReadAll(JobsDirectory))
        {
            if (JobStates.IsWaiting(ticket.State) || ticket.State == JobStates.Running)
            {
                JobFiles.Write(JobFiles.TicketPath(JobsDirectory, ticket.RunId), ticket with
                {
                    State = JobStates.Failed,
                    Outcome = "the node agent stopped before this job finished",
                    UpdatedAt = timeProvider.GetUtcNow(),
                });
            }
        }
    }

    [LoggerMessage(EventId = 830, Level = LogLevel.Warning, Message = "Decision file {Path} for run {RunId} ignored: {Problem}; write a new decision with 'jobs approve|reject'")]
    private static partial void LogDecisionIgnored(ILogger logger, string runId, string path, string problem);

    [LoggerMessage(EventId = 831, Level = LogLevel.Warning, Message = "Watching the jobs folder failed; decisions are still picked up by the periodic re-scan")]
    private static partial void LogWatcherError(ILogger logger, Exception exception);

    private sealed class Waiter(string runId, ApprovalStage stage, Func<OperatorDecision, string?> validate)
    {
        public long IgnoredStamp;

        public string RunId { get; } = runId;

        public ApprovalStage Stage { get; } = stage;

        public Func<OperatorDecision, string?> Validate { get; } = validate;

        public TaskCompletionSource<OperatorDecision> Decided { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
