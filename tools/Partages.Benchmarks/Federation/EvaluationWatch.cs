using System.Diagnostics;
using Grpc.Core;
using Partages.Client;
using Partages.Contracts.V1;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.Benchmarks.Federation;

/// <summary>
/// Follows one evaluation as the evaluator's <c>partages watch</c> does: the gRPC <c>WatchEvaluation</c> stream with
/// <c>changes_only</c>, which pushes the whole evaluation, then what changed after every committed change (no polling),
/// applied here to the evaluation as the client keeps it. Each message is timestamped once applied, so the resolution is
/// that of the push itself: the coordinator's commit → notify → read of the changed runs → write, plus the transfer.
/// </summary>
internal sealed class EvaluationWatch : IAsyncDisposable
{
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<long> _allRunning = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<(EvaluationView Snapshot, long SeenAt)> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _quietAfterSucceeded;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _snapshots;

    private EvaluationWatch(EvaluationService.EvaluationServiceClient client, string evaluationId, int quietAfterSucceeded)
    {
        _quietAfterSucceeded = quietAfterSucceeded;
        _loop = FollowAsync(client, evaluationId);
    }

    /// <summary>Completes with the first snapshot: the watch is then established on the coordinator.</summary>
    public Task FirstSnapshot => _first.Task;

    /// <summary>The timestamp of the first snapshot in which every run is running (or beyond).</summary>
    public Task<long> AllRunning => _allRunning.Task;

    /// <summary>The first final snapshot and when it was read.</summary>
    public Task<(EvaluationView Snapshot, long SeenAt)> Final => _final.Task;

    /// <summary>Completes with the first snapshot showing at least the given number of runs succeeded.</summary>
    public Task Quiet => _quiet.Task;

    public int Snapshots => Volatile.Read(ref _snapshots);

    public static EvaluationWatch Start(EvaluationService.EvaluationServiceClient client, string evaluationId, int quietAfterSucceeded) =>
        new(client, evaluationId, quietAfterSucceeded);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task FollowAsync(EvaluationService.EvaluationServiceClient client, string evaluationId)
    {
        try
        {
            using var call = client.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluationId, ChangesOnly = true }, cancellationToken: _stop.Token);
            EvaluationView? snapshot = null;
            await foreach (var message in call.ResponseStream.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                // The whole evaluation first, then changes applied to it, as partages watch does.
                snapshot = EvaluationChanges.Apply(snapshot, message);
                var seenAt = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref _snapshots);
                _first.TrySetResult();
                if (snapshot.Runs.Count > 0 && snapshot.Runs.All(r => r.State is RunState.Running || EvaluatorClient.IsFinal(r.State)))
                {
                    _allRunning.TrySetResult(seenAt);
                }

                if (snapshot.Runs.Count(r => r.State == RunState.Succeeded) >= _quietAfterSucceeded)
                {
                    _quiet.TrySetResult();
                }

                if (EvaluatorClient.IsFinal(snapshot.State))
                {
                    _final.TrySetResult((snapshot, seenAt));
                    return;
                }
            }

            Fail(new BenchmarkFailedException($"The WatchEvaluation stream of {evaluationId} ended before the evaluation was final."));
        }
        catch (Exception ex) when (_stop.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            Fail(new OperationCanceledException("The watch was stopped."));
        }
        catch (RpcException ex)
        {
            Fail(new BenchmarkFailedException($"The WatchEvaluation stream of {evaluationId} failed: {ex.Status}", ex));
        }
    }

    private void Fail(Exception reason)
    {
        _first.TrySetException(reason);
        _quiet.TrySetException(reason);
        _allRunning.TrySetException(reason);
        _final.TrySetException(reason);
    }
}
