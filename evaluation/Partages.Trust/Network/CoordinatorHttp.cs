using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;

namespace Partages.Trust.Network;

/// <summary>
/// The one way the node agent (session, downloads, enrollment, CA discovery) and the evaluator's CLI build their
/// HTTP handler to the coordinator: the proxy, when there is one, tunnels with CONNECT (TLS and mutual TLS stay
/// end to end); without one the connection is direct, whatever the machine's defaults say.
/// </summary>
public static partial class CoordinatorHttp
{
    /// <summary>A handler with the proxy applied; callers add their TLS options and timeouts.</summary>
    public static SocketsHttpHandler CreateHandler(ProxySettings? proxy)
    {
        var handler = new SocketsHttpHandler();
        if (proxy is null)
        {
            // Explicitly direct: the proxy is decided by the configuration (or HTTPS_PROXY read by it), not by .NET's defaults.
            handler.UseProxy = false;
        }
        else
        {
            handler.UseProxy = true;
            handler.Proxy = proxy.ToWebProxy();
        }

        return handler;
    }

    /// <summary>
    /// The HttpClient for a gRPC channel (GrpcChannelOptions.HttpClient, not HttpHandler). Given a bare handler, grpc-dotnet
    /// turns on its client-side load balancing, whose connect callback cannot dial through a proxy ("Unable to get
    /// subchannel from HttpRequestMessage", grpc/grpc-dotnet#2116, #2254); an HttpClient keeps the handler's own
    /// connection logic, CONNECT tunnel included. No client timeout: calls carry their own deadlines and sessions last for hours.
    /// </summary>
    public static HttpClient ForGrpc(HttpMessageHandler handler) => new(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// A connection failure told in words for hospital IT when the proxy or the network path is at fault: the proxy
    /// refused the tunnel (and why), asked for credentials, or could not be reached; null when it is something else.
    /// For a gRPC failure pass its <c>Status.DebugException</c>.
    /// </summary>
    /// <param name="coordinator">The address dialled, when the caller knows it (null: named only as "the coordinator").</param>
    public static string? DescribeNetworkFailure(Exception exception, Uri? coordinator, ProxySettings? proxy)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var target = coordinator is null ? "the coordinator" : $"the coordinator {coordinator.Host}:{coordinator.Port}";
        var allow = coordinator is null ? "the coordinator's host and port" : $"{coordinator.Host}:{coordinator.Port}";
        var viaProxy = proxy is not null && (coordinator is null || !proxy.Bypasses(coordinator));
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ProxyTunnelError } tunnel && proxy is not null)
            {
                var status = tunnel.StatusCode ?? StatusIn(tunnel.Message);
                return status switch
                {
                    HttpStatusCode.ProxyAuthenticationRequired or HttpStatusCode.Unauthorized when proxy.Credentials is null =>
                        $"the proxy {proxy.Display} (from {proxy.Source}) asks for credentials (407 Proxy Authentication Required) and none are configured: " +
                        "give them in a file named by coordinator.proxy.credentials_file ('user:password')",
                    // Some proxies (tinyproxy) answer wrong credentials with 401 rather than a second 407.
                    HttpStatusCode.ProxyAuthenticationRequired or HttpStatusCode.Unauthorized =>
                        $"the proxy {proxy.Display} (from {proxy.Source}) refused the credentials of user '{proxy.Credentials!.UserName}' ({(int)status} {(status == HttpStatusCode.Unauthorized ? "Unauthorized" : "Proxy Authentication Required")}): " +
                        "check the proxy credentials file",
                    { } code =>
                        $"the proxy {proxy.Display} (from {proxy.Source}) refused to open a tunnel (CONNECT) to {target} ({(int)code} {Reason(code)}): " +
                        $"ask the network team to allow HTTPS (CONNECT) to {allow} through the proxy",
                    null => $"the proxy {proxy.Display} (from {proxy.Source}) failed to open a tunnel to {target}: {tunnel.Message.TrimEnd('.')}",
                };
            }

            if (e is SocketException or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } && viaProxy
                && e is not AuthenticationException)
            {
                return $"cannot reach the proxy {proxy!.Display} (from {proxy.Source}): {Innermost(e).Message.TrimEnd('.')}; check the proxy address and that it runs";
            }
        }

        return null;
    }

    /// <summary>True when the failure is a refused TLS handshake (so a recorded refusal reason explains it, not a stale one).</summary>
    public static bool IsTlsRefusal(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    private static HttpStatusCode? StatusIn(string message) =>
        StatusPattern().Match(message) is { Success: true } match ? (HttpStatusCode)int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static string Reason(HttpStatusCode code) =>
        ReasonPhrases.TryGetValue(code, out var phrase) ? phrase : code.ToString();

    private static readonly Dictionary<HttpStatusCode, string> ReasonPhrases = new()
    {
        [HttpStatusCode.Forbidden] = "Forbidden",
        [HttpStatusCode.BadGateway] = "Bad Gateway",
        [HttpStatusCode.ServiceUnavailable] = "Service Unavailable",
        [HttpStatusCode.GatewayTimeout] = "Gateway Timeout",
        [HttpStatusCode.MethodNotAllowed] = "Method Not Allowed",
    };

    [GeneratedRegex("'(\\d{3})'")]
    private static partial Regex StatusPattern();
}
