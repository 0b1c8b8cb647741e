using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Api;
using Partages.Coordinator.Hosting;

namespace Partages.Coordinator.Evaluators;

/// <summary>
/// Ends the live streams of an API token once it is revoked or replaced. A token is checked when a call starts, but
/// a stream (the JSON API's and the dashboard's server-sent events, WatchEvaluation) lasts as long as its client
/// wishes; and tokens are changed by <c>admin</c> commands in another process, straight in the database, so nothing
/// in this process hears of it. Every TokenCheckIntervalSeconds (on the injected clock) the tokens of the open
/// streams are looked up at once, and the streams whose token is gone are cancelled: the client reconnects and is
/// refused (401, the login page, UNAUTHENTICATED).
/// </summary>
public sealed partial class ApiTokenWatch(
    IDbContextFactory<CoordinatorDbContext> dbFactory,
    TimeProvider time,
    IOptions<CoordinatorOptions> options,
    ILogger<ApiTokenWatch> logger) : PeriodicCheck(time)
{
    public const string RevokedDetail = "The API token was revoked or replaced; this stream is closed. Use the new token.";

    private readonly ConcurrentDictionary<Watch, byte> _watches = new();
    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.TokenCheckIntervalSeconds);

    /// <summary>How many streams are watched now.</summary>
    internal int Count => _watches.Count;

    /// <summary>
    /// A watch on <paramref name="caller"/>'s token, linked with <paramref name="ends"/> (the call's end, the host's
    /// stop): <see cref="Watch.Ended"/> is cancelled by whichever comes first. Dispose it when the stream ends.
    /// </summary>
    public Watch Start(EvaluatorIdentity caller, params CancellationToken[] ends)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var watch = new Watch(this, caller, ends);
        _watches.TryAdd(watch, 0);
        return watch;
    }

    /// <summary>For a server-sent event stream: the token that ends it, released with the response.</summary>
    public CancellationToken Ending(HttpContext context, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(context);
        var watch = Start(ApiAuthentication.Caller(context), stopping);
        context.Response.RegisterForDispose(watch);
        return watch.Ended;
    }

    protected override async Task CheckAsync(CancellationToken stoppingToken)
    {
        try
        {
            var watches = _watches.Keys.ToList();
            if (watches.Count == 0)
            {
                return;
            }

            var hashes = watches.Select(w => w.Caller.TokenSha256).Distinct(StringComparer.Ordinal).ToList();
            await using var db = await dbFactory.CreateDbContextAsync(stoppingToken).ConfigureAwait(false);
            var existing = await db.ApiTokens.AsNoTracking().Where(t => hashes.Contains(t.TokenSha256)).Select(t => t.TokenSha256)
                .ToListAsync(stoppingToken).ConfigureAwait(false);
            foreach (var watch in watches.Where(w => !existing.Contains(w.Caller.TokenSha256, StringComparer.Ordinal)))
            {
                if (watch.Revoke())
                {
                    Log.StreamClosed(logger, watch.Caller.Name);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A busy or failing database must not stop the watch; the next tick checks again.
            Log.CheckFailed(logger, ex);
        }
    }

    /// <summary>One stream's watch: <see cref="Ended"/> is cancelled when its token goes or one of its linked tokens ends.</summary>
    public sealed class Watch : IDisposable
    {
        private readonly ApiTokenWatch _owner;
        private readonly CancellationTokenSource _revoked = new();
        private readonly CancellationTokenSource _ended;

        internal Watch(ApiTokenWatch owner, EvaluatorIdentity caller, CancellationToken[] ends)
        {
            _owner = owner;
            Caller = caller;
            _ended = CancellationTokenSource.CreateLinkedTokenSource([_revoked.Token, .. ends]);
        }

        public EvaluatorIdentity Caller { get; }

        public CancellationToken Ended => _ended.Token;

        /// <summary>Whether the stream ends because its token was revoked or replaced.</summary>
        public bool Revoked => _revoked.IsCancellationRequested;

        /// <summary>UNAUTHENTICATED for a gRPC stream whose token went.</summary>
        public static RpcException RevokedError() => new(new Status(StatusCode.Unauthenticated, RevokedDetail));

        internal bool Revoke()
        {
            if (_revoked.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                _revoked.Cancel();
                return true;
            }
            catch (ObjectDisposedException)
            {
                // The stream ended by itself meanwhile.
                return false;
            }
        }

        public void Dispose()
        {
            _owner._watches.TryRemove(this, out _);
            _ended.Dispose();
            _revoked.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(710, LogLevel.Information, "A live stream of API token {Name} was closed: the token was revoked or replaced.")]
        public static partial void StreamClosed(ILogger logger, string name);

        [LoggerMessage(711, LogLevel.Error, "API token check of the live streams failed; retrying at the next tick.")]
        public static partial void CheckFailed(ILogger logger, Exception exception);
    }
}

/// <summary>Registration of <see cref="ApiTokenWatch"/>.</summary>
public static class ApiTokenWatchExtensions
{
    public static IServiceCollection AddApiTokenWatch(this IServiceCollection services)
    {
        services.AddSingleton<ApiTokenWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiTokenWatch>());
        return services;
    }
}
