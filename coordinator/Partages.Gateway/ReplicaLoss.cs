using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Partages.Gateway;

/// <summary>
/// A gRPC stream whose replica dies mid-response (a watch, a download) ends with status <c>UNAVAILABLE</c> in its
/// trailers, naming the cause. YARP alone resets the HTTP/2 stream, which a gRPC client may report as <c>CANCELLED</c>
/// or <c>INTERNAL</c>: the first is not retried by <c>partages watch</c>, and neither says the replica went away.
/// Errors on the client's side (it went away, it cancelled) keep YARP's reset.
/// </summary>
public static partial class ReplicaLoss
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var reset = context.Features.Get<IHttpResetFeature>();
        if (reset is null || !(context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            await next().ConfigureAwait(false);
            return;
        }

        var deferred = new DeferredReset();
        context.Features.Set<IHttpResetFeature>(deferred);
        try
        {
            await next().ConfigureAwait(false);
        }
        finally
        {
            context.Features.Set(reset);
        }

        if (deferred.Code is not { } code)
        {
            return;
        }

        if (context.Features.Get<IForwarderErrorFeature>()?.Error == ForwarderError.ResponseBodyDestination && context.Response.SupportsTrailers())
        {
            var destination = context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>()?.ProxiedDestination?.Model.Config.Address ?? "a replica";
            Log.ReplicaLost(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReplicaLoss)), context.Request.Path, destination);
            context.Response.AppendTrailer("grpc-status", "14");
            context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(
                $"The coordinator replica serving this call ({destination}) went away mid-response; call again, the gateway sends it to another replica."));
            return;
        }

        reset.Reset(code);
    }

    /// <summary>Records YARP's reset instead of sending it, so that trailers can still end the stream.</summary>
    private sealed class DeferredReset : IHttpResetFeature
    {
        public int? Code { get; private set; }

        public void Reset(int errorCode) => Code = errorCode;
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "Replica {Replica} went away during {Path}; the client is told UNAVAILABLE and may call again.")]
        public static partial void ReplicaLost(ILogger logger, string path, string replica);
    }
}
