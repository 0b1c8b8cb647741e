using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Partages.NodeAgent.Enrollment;
using Partages.Trust;
using Partages.Trust.Network;

namespace Partages.NodeAgent.Connectivity;

/// <summary>
/// The gRPC channel to the coordinator: outbound only, mTLS with the node's certificate, and the server trusted only
/// if it chains to the CA saved at enrollment (CustomRootTrust, never the system store). Through the configured
/// HTTP proxy when there is one (a CONNECT tunnel: TLS stays end to end). One channel per address of
/// <c>coordinator.url</c>; after a failed attempt <see cref="MoveToNextAddress"/> makes the next one current, so the
/// addresses are tried in order with the session's back-off. Each channel reconnects its HTTP/2 connection by itself.
/// </summary>
public sealed partial class CoordinatorChannel : IDisposable
{
    private readonly ProxySettings? _proxy;
    private readonly AgentOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _switchGate = new();
    // Channels of identities replaced by a renewal: calls still open on them (the session) finish on the connection
    // they started on; disposed with this object.
    private readonly List<GrpcChannel> _retired = [];
    private GrpcChannel[] _channels;
    private NodeService.NodeServiceClient[] _clients;
    private int _current;
    private string? _lastServerRejection;

    public CoordinatorChannel(NodeConfig config, NodeIdentity identity, IOptions<AgentOptions> options, ILogger<CoordinatorChannel> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        Addresses = config.CoordinatorUrls;
        _proxy = config.Proxy;
        Clock = new ServerClock(timeProvider ?? TimeProvider.System);
        _options = options.Value;
        _logger = logger;
        _channels = [.. Addresses.Select(address => Create(address, identity, _options, logger))];
        _clients = [.. _channels.Select(c => new NodeService.NodeServiceClient(c))];
        CallInvoker = new CurrentChannelInvoker(this);
    }

    /// <summary>The address in use (the first of <c>coordinator.url</c> until an attempt on it fails).</summary>
    public Uri Address => Addresses[Volatile.Read(ref _current)];

    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>The coordinator's clock as its responses show it.</summary>
    public ServerClock Clock { get; }

    /// <summary>Why the last TLS handshake refused the server, if one did (shown by <c>check</c>).</summary>
    public string? LastServerRejection => Volatile.Read(ref _lastServerRejection);

    /// <summary>For the release gate's transport, which builds its own client: results never pass through this class. Follows the current address.</summary>
    internal CallInvoker CallInvoker { get; }

    private NodeService.NodeServiceClient Client => Volatile.Read(ref _clients)[Volatile.Read(ref _current)];

    /// <summary>
    /// From now on, calls go over new connections presenting <paramref name="identity"/>'s certificate and trusting its
    /// CAs (after a renewal or a change of trust); calls already open keep the connection they started on.
    /// </summary>
    public void UseIdentity(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        GrpcChannel[] channels = [.. Addresses.Select(address => Create(address, identity, _options, _logger))];
        lock (_switchGate)
        {
            _retired.AddRange(_channels);
            Volatile.Write(ref _clients, [.. channels.Select(c => new NodeService.NodeServiceClient(c))]);
            Volatile.Write(ref _channels, channels);
        }
    }

    /// <summary>Asks the coordinator to sign a new key's CSR for this node (<c>RenewCertificate</c>).</summary>
    public async Task<RenewCertificateResponse> RenewCertificateAsync(string csrPem, TimeSpan timeout, CancellationToken cancellationToken) =>
        await Client.RenewCertificateAsync(new RenewCertificateRequest { CsrPem = csrPem }, deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>After a failed attempt: the next address of <c>coordinator.url</c> (wrapping around) becomes current; false when there is only one.</summary>
    public bool MoveToNextAddress()
    {
        var count = Addresses.Count;
        if (count == 1)
        {
            return false;
        }

        var current = Volatile.Read(ref _current);
        Interlocked.CompareExchange(ref _current, (current + 1) % count, current);
        return true;
    }

    /// <summary>
    /// A failure in words for hospital IT when the TLS check refused the server (e.g. a proxy inspecting TLS) or the
    /// proxy is at fault; null otherwise.
    /// </summary>
    public string? DescribeNetworkFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var cause = (exception as RpcException)?.Status.DebugException ?? exception;
        if (CoordinatorHttp.IsTlsRefusal(cause) && LastServerRejection is { } rejection)
        {
            return $"the TLS connection to {Address} was refused: {rejection}";
        }

        return CoordinatorHttp.DescribeNetworkFailure(cause, Address, _proxy);
    }

    /// <summary>
    /// Why a stream (a bundle download) stopped: through a proxy, the proxy is named — a proxy that closes its tunnel
    /// mid-stream (restart, idle or size limit) looks like any cut to gRPC, and hospital IT must know where to look.
    /// </summary>
    public string DescribeInterruption(Exception? exception)
    {
        if (exception is not null && DescribeNetworkFailure(exception) is { } network)
        {
            return network;
        }

        var reason = exception is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : exception?.Message ?? "stream ended";
        return _proxy is { } proxy && !proxy.Bypasses(Address)
            ? $"{reason.TrimEnd('.')} (through the proxy {proxy.Display} from {proxy.Source}: the proxy or its tunnel to {Address.Host}:{Address.Port} closed the connection)"
            : reason;
    }

    internal AsyncDuplexStreamingCall<NodeMessage, CoordinatorMessage> OpenSession(CancellationToken cancellationToken) =>
        Client.Session(cancellationToken: cancellationToken);

    internal AsyncServerStreamingCall<ArtifactChunk> DownloadArtifact(DownloadArtifactRequest request, CancellationToken cancellationToken) =>
        Client.DownloadArtifact(request, cancellationToken: cancellationToken);

    /// <summary>The coordinator's anchor of this node's audit log (<c>audit verify</c>, <c>check</c>).</summary>
    public async Task<AuditAnchor> GetAuditAnchorAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await Client.GetAuditAnchorAsync(new GetAuditAnchorRequest(), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        lock (_switchGate)
        {
            foreach (var channel in _channels.Concat(_retired))
            {
                channel.Dispose();
            }
        }
    }

    private GrpcChannel Create(Uri address, NodeIdentity identity, AgentOptions options, ILogger logger)
    {
        var handler = CoordinatorHttp.CreateHandler(_proxy);
        handler.ConnectTimeout = options.ConnectTimeout;
        handler.EnableMultipleHttp2Connections = true;
        handler.PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan;
        // HTTP/2 pings notice a coordinator that vanished without closing the connection.
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(20);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = new X509CertificateCollection { identity.ClientCertificate },
            RemoteCertificateValidationCallback = TrustedChain.ServerValidator(
                identity.TrustedCas,
                reason =>
                {
                    // Logged once per distinct reason: the session retries every few seconds during an outage.
                    var previous = Interlocked.Exchange(ref _lastServerRejection, reason);
                    if (!string.Equals(previous, reason, StringComparison.Ordinal))
                    {
                        LogServerCertificateRejected(logger, address, reason);
                    }
                },
                () => Interlocked.Exchange(ref _lastServerRejection, null),
                address),
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpClient = CoordinatorHttp.ForGrpc(Clock.Watch(handler)),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 8 * 1024 * 1024,
            MaxSendMessageSize = 8 * 1024 * 1024,
        });
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Refused the TLS connection to {Address}: {Reason}")]
    private static partial void LogServerCertificateRejected(ILogger logger, Uri address, string reason);

    /// <summary>Each call on the channel of the address current when it starts.</summary>
    private sealed class CurrentChannelInvoker(CoordinatorChannel owner) : CallInvoker
    {
        private CallInvoker Current => Volatile.Read(ref owner._channels)[Volatile.Read(ref owner._current)].CreateCallInvoker();

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            Current.BlockingUnaryCall(method, host, options, request);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            Current.AsyncUnaryCall(method, host, options, request);

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            Current.AsyncServerStreamingCall(method, host, options, request);

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            Current.AsyncClientStreamingCall(method, host, options);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            Current.AsyncDuplexStreamingCall(method, host, options);
    }
}
