using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.Client;
using Partages.Contracts.V1;
using Partages.Evaluation;
using Partages.SecureAggregation.Crypto;

namespace Partages.Benchmarks.Federation;

/// <summary>An offer as the simulated node received it, with the <see cref="Stopwatch"/> timestamp of its arrival.</summary>
internal sealed record ReceivedOffer(JobOffer Offer, long ReceivedAt);

/// <summary>One node's download of an artifact, verified chunk by chunk and as a whole.</summary>
internal sealed record DownloadOutcome(string Node, long Bytes, int Chunks, TimeSpan Elapsed);

/// <summary>
/// A hospital node as the coordinator sees it, without ONNX: its own P-256 key and CSR enrolled with its own one-time
/// token, its own client certificate, its own TLS connection (one <see cref="SocketsHttpHandler"/> per node), and its
/// own Session stream with a hello and heartbeats at the interval the welcome asks for. It accepts offers, reports
/// progress, submits result documents and downloads artifacts through the same calls as the real agent.
/// </summary>
internal sealed class SimulatedNode : IAsyncDisposable
{
    private const string AgentVersion = "benchmark-simulated-node";
    private const string OnnxRuntimeVersion = "none (simulated: no model runs)";
    private const int DownloadChunkBytes = 1024 * 1024;

    private readonly GrpcChannel _channel;
    private readonly NodeService.NodeServiceClient _client;
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2 _ca;
    private readonly Channel<ReceivedOffer> _offers = Channel.CreateUnbounded<ReceivedOffer>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<Welcome> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception> _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly HashSet<string> _activeRuns = new(StringComparer.Ordinal);
    private readonly Lock _activeGate = new();
    private readonly CancellationTokenSource _stop = new();
    private AsyncDuplexStreamingCall<NodeMessage, CoordinatorMessage>? _session;
    private Task _reader = Task.CompletedTask;
    private Task _heartbeats = Task.CompletedTask;
    private int _unexpectedCancels;

    private SimulatedNode(string name, string dataset, X509Certificate2 certificate, X509Certificate2 ca, Uri coordinator)
    {
        Name = name;
        Dataset = dataset;
        _certificate = certificate;
        _ca = ca;
        Coordinator = coordinator;
        Wire = new WireCounter();
        _channel = CreateChannel(coordinator, ca, certificate, Wire);
        _client = new NodeService.NodeServiceClient(_channel);
    }

    public string Name { get; }

    /// <summary>The coordinator (replica) this node's connection goes to.</summary>
    public Uri Coordinator { get; }

    public string Dataset { get; }

    /// <summary>Every byte of this node's one TLS connection to the coordinator (under TLS, both ways).</summary>
    public WireCounter Wire { get; }

    /// <summary>The node's long-term aggregation key, kept apart from its TLS identity as the agent keeps it (secure sums only).</summary>
    public AggregationIdentity AggregationKey { get; } = AggregationIdentity.Create();

    /// <summary>Calls on this node's own mTLS connection, for the secure aggregation rounds.</summary>
    public CallInvoker CallInvoker => _channel.CreateCallInvoker();

    /// <summary>The SHA-256 the node announces for its dataset snapshot (in the hello and in each result's manifest).</summary>
    private string Fingerprint => ContentHash.Of($"simulated dataset of {Name}");

    /// <summary>Completes with the reason if the Session stream ends or fails while the benchmark still needs it.</summary>
    public Task<Exception> Broken => _broken.Task;

    /// <summary>CancelJob messages received: none is expected in a benchmark round, so any is reported as a failure.</summary>
    public int UnexpectedCancels => Volatile.Read(ref _unexpectedCancels);

    /// <summary>
    /// Enrolls as a real agent does: a fresh key, a CSR with CN = the node name, the one-time token, over TLS trusting
    /// only the pinned CA and with no client certificate; then checks the certificate and opens its own mTLS channel.
    /// </summary>
    public static async Task<SimulatedNode> EnrollAsync(Uri coordinator, string name, string dataset, string token, X509Certificate2 ca, CancellationToken cancellationToken)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(name);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));

        EnrollResponse response;
        using (var enrollChannel = CreateChannel(coordinator, ca, clientCertificate: null, wire: null))
        {
            var enrollment = new EnrollmentService.EnrollmentServiceClient(enrollChannel);
            response = await enrollment.EnrollAsync(
                new EnrollRequest { EnrollmentToken = token, CsrPem = request.CreateSigningRequestPem(), AgentVersion = AgentVersion },
                deadline: DateTime.UtcNow.AddSeconds(60),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        using var issued = X509Certificate2.CreateFromPem(response.CertificatePem);
        if (!CoordinatorTrust.ChainsTo(issued, ca) || issued.GetNameInfo(X509NameType.SimpleName, forIssuer: false) != name)
        {
            throw new BenchmarkFailedException($"Node {name}: the certificate returned by Enroll does not chain to the coordinator's CA or is not for '{name}'.");
        }

        using var withKey = issued.CopyWithPrivateKey(key);
        // Re-imported through PKCS#12, as the agent does, so SslStream can use the key for client authentication.
        var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
        return new SimulatedNode(name, dataset, certificate, ca, coordinator);
    }

    /// <summary>
    /// The same node (name, key, certificate) with a new connection of its own to <paramref name="coordinator"/>, not
    /// yet connected: what an agent does when it moves to another replica. Dispose this instance.
    /// </summary>
    public SimulatedNode Reopen(Uri coordinator) =>
        new(Name, Dataset, X509CertificateLoader.LoadPkcs12(_certificate.Export(X509ContentType.Pkcs12), password: null), _ca, coordinator);

    /// <summary>Opens the Session stream, says hello with the node's dataset, and waits for the welcome; heartbeats then run on their own.</summary>
    public async Task ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _session = _client.Session(cancellationToken: _stop.Token);
        var hello = new NodeHello { AgentVersion = AgentVersion, OnnxruntimeVersion = OnnxRuntimeVersion, MaxConcurrentRuns = 4 };
        hello.Datasets.Add(new DatasetSummary
        {
            Name = Dataset,
            Format = "jsonl",
            ApproximateDocuments = 1000,
            Fingerprint = Fingerprint,
        });
        await SendAsync(new NodeMessage { Hello = hello }).ConfigureAwait(false);
        _reader = ReadAsync(_session.ResponseStream);
        var welcome = await _welcome.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        _heartbeats = HeartbeatAsync(TimeSpan.FromSeconds(Math.Max(1, welcome.HeartbeatIntervalSeconds)));
    }

    /// <summary>The next offer this node received (possibly already waiting).</summary>
    public ValueTask<ReceivedOffer> NextOfferAsync(CancellationToken cancellationToken) => _offers.Reader.ReadAsync(cancellationToken);

    /// <summary>What a node does between an offer and its result: accept, then report the run phase with its progress.</summary>
    public async Task AcceptAndRunAsync(JobOffer offer, long documents)
    {
        ArgumentNullException.ThrowIfNull(offer);
        lock (_activeGate)
        {
            _activeRuns.Add(offer.RunId);
        }

        await SendAsync(new NodeMessage { Accepted = new JobAccepted { RunId = offer.RunId } }).ConfigureAwait(false);
        await SendAsync(new NodeMessage { Progress = new JobProgress { RunId = offer.RunId, Phase = JobPhase.Running, Done = documents, Total = documents } }).ConfigureAwait(false);
    }

    /// <summary>The run ended without a result of this node's own (a secure sum closed it): heartbeats stop naming it.</summary>
    public void EndRun(string runId)
    {
        lock (_activeGate)
        {
            _activeRuns.Remove(runId);
        }
    }

    /// <summary>Rejects an offer (the artifact phase only downloads its bundle): the run ends without a CancelJob.</summary>
    public Task RejectAsync(string runId, string reason) =>
        SendAsync(new NodeMessage { Rejected = new JobRejected { RunId = runId, Reason = reason } });

    /// <summary>Submits the released result; returns the <see cref="Stopwatch"/> timestamp of the coordinator's acknowledgement.</summary>
    public async Task<long> SubmitResultAsync(string runId, string resultJson, CancellationToken cancellationToken)
    {
        var response = await _client.SubmitResultAsync(
            new SubmitResultRequest
            {
                RunId = runId,
                ResultJson = resultJson,
                ResultSha256 = ContentHash.Of(resultJson),
                Manifest = new RunManifest { Dataset = Dataset, DatasetFingerprint = Fingerprint, AgentVersion = AgentVersion, OnnxruntimeVersion = OnnxRuntimeVersion },
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var acknowledged = Stopwatch.GetTimestamp();
        if (!response.Stored)
        {
            throw new BenchmarkFailedException($"Node {Name}: the coordinator answered stored=false to the first submission of run {runId}.");
        }

        lock (_activeGate)
        {
            _activeRuns.Remove(runId);
        }

        return acknowledged;
    }

    /// <summary>
    /// Downloads an artifact with the chunked API from offset 0, checking that chunks are contiguous, each chunk's
    /// SHA-256, the total size and the SHA-256 of the whole, as the agent does (bytes are hashed, not kept).
    /// </summary>
    public async Task<DownloadOutcome> DownloadAsync(ArtifactRef artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var started = Stopwatch.GetTimestamp();
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var call = _client.DownloadArtifact(
            new DownloadArtifactRequest { Sha256 = artifact.Sha256, Offset = 0, MaxChunkBytes = DownloadChunkBytes },
            cancellationToken: cancellationToken);
        long received = 0;
        var chunks = 0;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (chunk.Offset != received || chunk.TotalSize != artifact.SizeBytes)
            {
                throw new BenchmarkFailedException($"Node {Name}: chunk at offset {chunk.Offset} (total {chunk.TotalSize}) after {received} bytes of {artifact.SizeBytes}.");
            }

            var data = chunk.Data.Span;
            if (!string.Equals(ContentHash.Of(data), chunk.ChunkSha256, StringComparison.Ordinal))
            {
                throw new BenchmarkFailedException($"Node {Name}: the chunk at offset {chunk.Offset} does not match its SHA-256.");
            }

            whole.AppendData(data);
            received += data.Length;
            chunks++;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var sha = Convert.ToHexStringLower(whole.GetHashAndReset());
        if (received != artifact.SizeBytes || sha != artifact.Sha256)
        {
            throw new BenchmarkFailedException($"Node {Name}: downloaded {received} bytes hashing to {sha}; expected {artifact.SizeBytes} bytes hashing to {artifact.Sha256}.");
        }

        return new DownloadOutcome(Name, received, chunks, elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is not null)
        {
            try
            {
                await _writeLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    await _session.RequestStream.CompleteAsync().ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
                // The stream is already gone; there is nothing left to close politely.
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_reader, _heartbeats).ConfigureAwait(false);
        _session?.Dispose();
        _channel.Dispose();
        _certificate.Dispose();
        AggregationKey.Dispose();
        _stop.Dispose();
        _writeLock.Dispose();
    }

    private static GrpcChannel CreateChannel(Uri coordinator, X509Certificate2 ca, X509Certificate2? clientCertificate, WireCounter? wire)
    {
        // One handler per node: its own connection pool, so every node is its own TLS connection to the coordinator.
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => CoordinatorTrust.ChainsTo(certificate, ca),
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
        };
        if (wire is not null)
        {
            handler.ConnectCallback = wire.ConnectAsync;
        }

        return GrpcChannel.ForAddress(coordinator, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 8 * 1024 * 1024,
        });
    }

    private async Task SendAsync(NodeMessage message)
    {
        var session = _session ?? throw new InvalidOperationException("The session is not open.");
        await _writeLock.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            await session.RequestStream.WriteAsync(message, _stop.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<CoordinatorMessage> messages)
    {
        try
        {
            while (await messages.MoveNext(_stop.Token).ConfigureAwait(false))
            {
                var message = messages.Current;
                switch (message.KindCase)
                {
                    case CoordinatorMessage.KindOneofCase.Welcome:
                        _welcome.TrySetResult(message.Welcome);
                        break;
                    case CoordinatorMessage.KindOneofCase.Offer:
                        // Timestamped on arrival, before anything else the node does with it.
                        _offers.Writer.TryWrite(new ReceivedOffer(message.Offer, Stopwatch.GetTimestamp()));
                        break;
                    case CoordinatorMessage.KindOneofCase.Cancel:
                        Interlocked.Increment(ref _unexpectedCancels);
                        break;
                }
            }

            Fail(new BenchmarkFailedException($"Node {Name}: the coordinator ended the Session stream."));
        }
        catch (Exception ex) when (_stop.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // Disposal: the benchmark closed the stream itself.
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException)
        {
            Fail(ex);
        }
    }

    private async Task HeartbeatAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
                lock (_activeGate)
                {
                    heartbeat.ActiveRunIds.AddRange(_activeRuns);
                }

                await SendAsync(new NodeMessage { Heartbeat = heartbeat }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal.
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException)
        {
            Fail(ex);
        }
    }

    private void Fail(Exception reason)
    {
        _welcome.TrySetException(reason);
        _broken.TrySetResult(reason);
        _offers.Writer.TryComplete(reason);
    }
}
