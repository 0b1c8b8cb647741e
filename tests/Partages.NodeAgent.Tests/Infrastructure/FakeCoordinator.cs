using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>
/// A small coordinator for the agent's tests: a real Kestrel host on a loopback TLS port with a self-made CA,
/// client certificates checked against it, and scripted EnrollmentService and NodeService implementations
/// that record what the node sends and let the test answer.
/// </summary>
public sealed class FakeCoordinator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _refusedSessions;
    private int _disposed;

    private FakeCoordinator(TestPki pki, WebApplication app, Uri address)
    {
        Pki = pki;
        _app = app;
        Address = address;
    }

    public TestPki Pki { get; }

    public Uri Address { get; }

    // Enrollment.
    public ConcurrentQueue<EnrollRequest> EnrollRequests { get; } = new();

    /// <summary>Raw bytes of every Enroll request as they arrived on the wire (protobuf).</summary>
    public ConcurrentQueue<byte[]> EnrollRequestBytes { get; } = new();

    // Sessions.
    public Channel<FakeSession> Sessions { get; } = Channel.CreateUnbounded<FakeSession>();

    /// <summary>While true, a new Session is refused with UNAVAILABLE (the coordinator "is down").</summary>
    public bool RefuseSessions { get; set; }

    /// <summary>What the well-known CA address serves instead of the CA's PEM (null: the PEM), with no length announced.</summary>
    public string? CaDiscoveryBody { get; set; }

    public int RefusedSessions => Volatile.Read(ref _refusedSessions);

    public event Action? SessionRefused;

    // Artifacts.
    public ConcurrentDictionary<string, byte[]> Artifacts { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<DownloadArtifactRequest> DownloadRequests { get; } = new();

    // Results.
    public Channel<SubmitResultRequest> Submissions { get; } = Channel.CreateUnbounded<SubmitResultRequest>();

    public int SubmitAttempts;

    /// <summary>How many SubmitResult calls to answer with UNAVAILABLE before storing.</summary>
    public int FailSubmissions;

    public static async Task<FakeCoordinator> StartAsync(TestPki pki)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = pki.ServerCertificate;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => pki.IssuedClientCertificate(certificate);
            });
        }));
        var holder = new Holder();
        builder.Services.AddSingleton(holder);
        var app = builder.Build();
        app.MapGrpcService<FakeEnrollmentService>();
        app.MapGrpcService<FakeNodeService>();
        app.MapGet("/.well-known/partages/ca.crt", () => holder.Coordinator.CaDiscoveryBody ?? pki.CaPem + "\n");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var coordinator = new FakeCoordinator(pki, app, new Uri(address));
        holder.Coordinator = coordinator;
        return coordinator;
    }

    public void AddArtifact(byte[] bytes) => Artifacts[ContentHash.Of(bytes)] = bytes;

    public async Task<FakeSession> NextSessionAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        return await Sessions.Reader.ReadAsync(cts.Token);
    }

    public async Task<SubmitResultRequest> NextSubmissionAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        return await Submissions.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal void CountRefusedSession()
    {
        Interlocked.Increment(ref _refusedSessions);
        SessionRefused?.Invoke();
    }

    internal sealed class Holder
    {
        public FakeCoordinator Coordinator { get; set; } = null!;
    }

    private sealed class FakeEnrollmentService(Holder holder) : EnrollmentService.EnrollmentServiceBase
    {
        public override Task<EnrollResponse> Enroll(EnrollRequest request, ServerCallContext context)
        {
            var coordinator = holder.Coordinator;
            coordinator.EnrollRequests.Enqueue(request.Clone());
            coordinator.EnrollRequestBytes.Enqueue(Google.Protobuf.MessageExtensions.ToByteArray(request));
            if (request.EnrollmentToken != "good-token")
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "The enrollment token is not valid."));
            }

            using var certificate = coordinator.Pki.SignCsr(request.CsrPem);
            return Task.FromResult(new EnrollResponse
            {
                NodeId = "node-1",
                NodeName = certificate.GetNameInfo(X509NameType.SimpleName, false),
                CertificatePem = certificate.ExportCertificatePem(),
                CaCertificatePem = coordinator.Pki.CaPem,
                NotAfter = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(certificate.NotAfter.ToUniversalTime()),
            });
        }
    }

    private sealed class FakeNodeService(Holder holder) : NodeService.NodeServiceBase
    {
        public override async Task Session(IAsyncStreamReader<NodeMessage> requestStream, IServerStreamWriter<CoordinatorMessage> responseStream, ServerCallContext context)
        {
            var coordinator = holder.Coordinator;
            var certificate = RequireNodeCertificate(context);
            if (coordinator.RefuseSessions)
            {
                coordinator.CountRefusedSession();
                throw new RpcException(new Status(StatusCode.Unavailable, "The coordinator is down (test)."));
            }

            if (!await requestStream.MoveNext(context.CancellationToken))
            {
                return;
            }

            if (requestStream.Current.KindCase != NodeMessage.KindOneofCase.Hello)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "hello first"));
            }

            var session = new FakeSession(requestStream.Current.Hello, certificate.GetNameInfo(X509NameType.SimpleName, false));
            await responseStream.WriteAsync(new CoordinatorMessage
            {
                Welcome = new Welcome { NodeId = "node-1", NodeName = session.NodeName, HeartbeatIntervalSeconds = 0, LeaseSeconds = 60 },
            });
            coordinator.Sessions.Writer.TryWrite(session);

            using var end = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, session.DropToken);
            var reader = Task.Run(async () =>
            {
                try
                {
                    while (await requestStream.MoveNext(end.Token))
                    {
                        session.Receive(requestStream.Current);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or RpcException)
                {
                    // The session ended: dropped by the test or cut by the node.
                }
                finally
                {
                    session.CompleteIncoming();
                    await end.CancelAsync();
                }
            });

            try
            {
                await foreach (var message in session.Outgoing.ReadAllAsync(end.Token))
                {
                    await responseStream.WriteAsync(message);
                }
            }
            catch (OperationCanceledException)
            {
                // Dropped or ended.
            }

            await reader;
            session.MarkEnded();
        }

        public override async Task DownloadArtifact(DownloadArtifactRequest request, IServerStreamWriter<ArtifactChunk> responseStream, ServerCallContext context)
        {
            RequireNodeCertificate(context);
            var coordinator = holder.Coordinator;
            coordinator.DownloadRequests.Enqueue(request.Clone());
            if (!coordinator.Artifacts.TryGetValue(request.Sha256, out var bytes))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"No artifact with sha256 {request.Sha256}."));
            }

            var chunkSize = request.MaxChunkBytes > 0 ? Math.Min(request.MaxChunkBytes, 64 * 1024) : 64 * 1024;
            for (var offset = request.Offset; offset < bytes.Length; offset += chunkSize)
            {
                var data = bytes.AsSpan((int)offset, (int)Math.Min(chunkSize, bytes.Length - offset)).ToArray();
                await responseStream.WriteAsync(new ArtifactChunk
                {
                    Offset = offset,
                    Data = Google.Protobuf.ByteString.CopyFrom(data),
                    TotalSize = bytes.Length,
                    ChunkSha256 = ContentHash.Of(data),
                });
            }
        }

        public override Task<SubmitResultResponse> SubmitResult(SubmitResultRequest request, ServerCallContext context)
        {
            RequireNodeCertificate(context);
            var coordinator = holder.Coordinator;
            Interlocked.Increment(ref coordinator.SubmitAttempts);
            if (Interlocked.Decrement(ref coordinator.FailSubmissions) >= 0)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "Try again (test)."));
            }

            coordinator.Submissions.Writer.TryWrite(request.Clone());
            return Task.FromResult(new SubmitResultResponse { Stored = true });
        }

        private static X509Certificate2 RequireNodeCertificate(ServerCallContext context) =>
            context.GetHttpContext().Connection.ClientCertificate
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "A node certificate is required."));
    }
}

/// <summary>One node session as the fake coordinator sees it: what the node said, and a way to answer or cut it.</summary>
public sealed class FakeSession(NodeHello hello, string nodeName)
{
    private readonly Channel<NodeMessage> _incoming = Channel.CreateUnbounded<NodeMessage>();
    private readonly CancellationTokenSource _drop = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<NodeMessage> _received = new();

    public NodeHello Hello { get; } = hello;

    public string NodeName { get; } = nodeName;

    /// <summary>Every message received after Hello, in order.</summary>
    public IReadOnlyCollection<NodeMessage> Received => _received;

    public Task Ended => _ended.Task;

    internal Channel<CoordinatorMessage> OutgoingChannel { get; } = Channel.CreateUnbounded<CoordinatorMessage>();

    internal ChannelReader<CoordinatorMessage> Outgoing => OutgoingChannel.Reader;

    internal CancellationToken DropToken => _drop.Token;

    public void Send(CoordinatorMessage message) => OutgoingChannel.Writer.TryWrite(message);

    public void Offer(JobOffer offer) => Send(new CoordinatorMessage { Offer = offer });

    public void Cancel(string runId, string reason = "cancelled by the evaluator") =>
        Send(new CoordinatorMessage { Cancel = new CancelJob { RunId = runId, Reason = reason } });

    /// <summary>Ends the stream from the coordinator's side, as a coordinator restart or a network cut would.</summary>
    public void Drop() => _drop.Cancel();

    /// <summary>The next message matching <paramref name="match"/> (others are skipped but kept in <see cref="Received"/>).</summary>
    public async Task<NodeMessage> NextAsync(Func<NodeMessage, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        while (true)
        {
            var message = await _incoming.Reader.ReadAsync(cts.Token);
            if (match(message))
            {
                return message;
            }
        }
    }

    internal void Receive(NodeMessage message)
    {
        _received.Enqueue(message);
        _incoming.Writer.TryWrite(message);
    }

    internal void CompleteIncoming() => _incoming.Writer.TryComplete();

    internal void MarkEnded() => _ended.TrySetResult();
}

public static class TestTimeouts
{
    /// <summary>An upper bound for any awaited event; tests synchronise on events and never sleep.</summary>
    public static TimeSpan Default { get; } = TimeSpan.FromSeconds(20);
}
