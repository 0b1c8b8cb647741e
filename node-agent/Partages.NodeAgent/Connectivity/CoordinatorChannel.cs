using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Partages.NodeAgent.Enrollment;
using Partages.Trust;

namespace Partages.NodeAgent.Connectivity;

/// <summary>
/// The one gRPC channel to the coordinator: outbound only, mTLS with the node's certificate, and the server
/// trusted only if it chains to the CA saved at enrollment (CustomRootTrust, never the system store).
/// The channel reconnects its HTTP/2 connection by itself; callers reopen calls after a failure.
/// </summary>
public sealed partial class CoordinatorChannel : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly NodeService.NodeServiceClient _client;
    private string? _lastServerRejection;

    public CoordinatorChannel(NodeConfig config, NodeIdentity identity, IOptions<AgentOptions> options, ILogger<CoordinatorChannel> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        Address = config.CoordinatorUrl;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Value.ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // HTTP/2 pings notice a coordinator that vanished without closing the connection.
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { identity.ClientCertificate },
                RemoteCertificateValidationCallback = TrustedChain.ServerValidator(
                    identity.CaCertificate,
                    reason =>
                    {
                        // Logged once per distinct reason: the session retries every few seconds during an outage.
                        var previous = Interlocked.Exchange(ref _lastServerRejection, reason);
                        if (!string.Equals(previous, reason, StringComparison.Ordinal))
                        {
                            LogServerCertificateRejected(logger, Address, reason);
                        }
                    },
                    () => Interlocked.Exchange(ref _lastServerRejection, null)),
            },
        };
        _channel = GrpcChannel.ForAddress(config.CoordinatorUrl, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 8 * 1024 * 1024,
            MaxSendMessageSize = 8 * 1024 * 1024,
        });
        _client = new NodeService.NodeServiceClient(_channel);
    }

    public Uri Address { get; }

    /// <summary>Why the last TLS handshake refused the server, if one did (shown by <c>check</c>).</summary>
    public string? LastServerRejection => Volatile.Read(ref _lastServerRejection);

    /// <summary>For the release gate's transport, which builds its own client: results never pass through this class.</summary>
    internal CallInvoker CallInvoker => _channel.CreateCallInvoker();

    internal AsyncDuplexStreamingCall<NodeMessage, CoordinatorMessage> OpenSession(CancellationToken cancellationToken) =>
        _client.Session(cancellationToken: cancellationToken);

    internal AsyncServerStreamingCall<ArtifactChunk> DownloadArtifact(DownloadArtifactRequest request, CancellationToken cancellationToken) =>
        _client.DownloadArtifact(request, cancellationToken: cancellationToken);

    /// <summary>The coordinator's anchor of this node's audit log (<c>audit verify</c>, <c>check</c>).</summary>
    public async Task<AuditAnchor> GetAuditAnchorAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _client.GetAuditAnchorAsync(new GetAuditAnchorRequest(), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).ConfigureAwait(false);

    public void Dispose() => _channel.Dispose();

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Refused the TLS connection to {Address}: {Reason}")]
    private static partial void LogServerCertificateRejected(ILogger logger, Uri address, string reason);
}
