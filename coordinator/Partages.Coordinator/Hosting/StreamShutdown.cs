using Grpc.Core;

namespace Partages.Coordinator.Hosting;

/// <summary>
/// How long-lived streams (node sessions, artifact downloads, WatchEvaluation, the server-sent event streams) end
/// when the coordinator stops. Kestrel's graceful stop waits for every request in flight, and these never end on
/// their own, so a coordinator with a node session or a watch open waited out the whole host shutdown timeout
/// (30 s) before exiting. Each stream observes <see cref="IHostApplicationLifetime.ApplicationStopping"/>, linked
/// with its request's cancellation, and ends at once: node sessions and downloads with UNAVAILABLE (nodes
/// reconnect with their jittered back-off, downloads resume where they stopped), watch streams and SSE streams by
/// ending normally (clients fetch the state again and reconnect).
/// </summary>
public static class StreamShutdown
{
    public const string Detail = "The coordinator is stopping; reconnect to it or to another replica.";

    public static RpcException Unavailable() => new(new Status(StatusCode.Unavailable, Detail));

    /// <summary>Waits for <paramref name="task"/>; false, without throwing, when <paramref name="ended"/> is cancelled first.</summary>
    public static async Task<bool> ContinuesAfterAsync(Task task, CancellationToken ended)
    {
        ArgumentNullException.ThrowIfNull(task);
        await task.WaitAsync(ended).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return !ended.IsCancellationRequested;
    }
}
