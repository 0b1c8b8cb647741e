using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Partages.Contracts;

namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>An enrolled node as the coordinator sees it: a client certificate and the node-plane client.</summary>
public sealed class TestNode(TestCoordinator coordinator, string name, X509Certificate2 certificate)
{
    public string Name { get; } = name;

    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>The max_concurrent_runs its hello announces (0: unknown, as from an agent that does not say).</summary>
    public int MaxConcurrentRuns { get; set; } = 1;

    public NodeService.NodeServiceClient Client { get; } = new(coordinator.Channel(certificate));

    /// <summary>Opens a session and sends the hello; the first message back should be the welcome.</summary>
    public Task<NodeSessionClient> ConnectAsync(params string[] activeRunIds) => ConnectAsync(auditHead: null, activeRunIds);

    /// <summary>Opens a session and reads the welcome; a session whose welcome does not come is closed again.</summary>
    public async Task<NodeSessionClient> ConnectWelcomedAsync(params string[] activeRunIds)
    {
        var session = await ConnectAsync(activeRunIds);
        try
        {
            await session.ReadWelcomeAsync();
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a session and sends the hello carrying <paramref name="auditHead"/> (none when null).</summary>
    public async Task<NodeSessionClient> ConnectAsync(AuditHead? auditHead, params string[] activeRunIds)
    {
        var session = new NodeSessionClient(Client.Session(deadline: DateTime.UtcNow.AddMinutes(5)));
        var hello = new NodeHello { AgentVersion = "test-agent/1", OnnxruntimeVersion = "1.31.1", MaxConcurrentRuns = MaxConcurrentRuns, AuditHead = auditHead };
        hello.Datasets.Add(new DatasetSummary { Name = "amr-reports", Format = "jsonl", ApproximateDocuments = AnnouncedDocuments, Fingerprint = new string('a', 64) });
        hello.ActiveRunIds.AddRange(activeRunIds);
        await session.SendAsync(new NodeMessage { Hello = hello });
        return session;
    }

    /// <summary>What the hello announces for amr-reports (rounded, as a node does): results are held to at most 104 documents read.</summary>
    public const long AnnouncedDocuments = 100;

    /// <summary>An audit head signed with this node's key, as its agent signs it.</summary>
    public AuditHead SignedHead(long sequence, string entrySha256)
    {
        using var key = Certificate.GetECDsaPrivateKey()!;
        return new AuditHead { Sequence = sequence, EntrySha256 = entrySha256, Signature = ByteString.CopyFrom(AuditHeadSignature.Sign(key, Name, sequence, entrySha256)) };
    }

    public Task<AuditAnchor> GetAuditAnchorAsync() =>
        Client.GetAuditAnchorAsync(new GetAuditAnchorRequest(), deadline: TestCoordinator.Deadline()).ResponseAsync;

    public Task<SubmitResultResponse> SubmitResultAsync(string runId, string resultJson, string? sha256 = null, AuditHead? auditHead = null) =>
        Client.SubmitResultAsync(
            new SubmitResultRequest { RunId = runId, ResultJson = resultJson, ResultSha256 = sha256 ?? Evaluation.ContentHash.Of(resultJson), AuditHead = auditHead },
            deadline: TestCoordinator.Deadline()).ResponseAsync;
}

/// <summary>One open Session stream, read message by message.</summary>
public sealed class NodeSessionClient(AsyncDuplexStreamingCall<NodeMessage, CoordinatorMessage> call) : IAsyncDisposable
{
    public Task SendAsync(NodeMessage message) => call.RequestStream.WriteAsync(message);

    public Task AcceptAsync(string runId) => SendAsync(new NodeMessage { Accepted = new JobAccepted { RunId = runId } });

    public Task HeartbeatAsync(params string[] activeRunIds) => HeartbeatAsync(auditHead: null, activeRunIds);

    public Task HeartbeatAsync(AuditHead? auditHead, params string[] activeRunIds)
    {
        var heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTime(DateTime.UtcNow), AuditHead = auditHead };
        heartbeat.ActiveRunIds.AddRange(activeRunIds);
        return SendAsync(new NodeMessage { Heartbeat = heartbeat });
    }

    /// <summary>The next message from the coordinator; fails the test if none comes within the call timeout.</summary>
    public async Task<CoordinatorMessage> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(TestCoordinator.CallTimeout);
        if (!await call.ResponseStream.MoveNext(timeout.Token))
        {
            throw new InvalidOperationException("The coordinator ended the session.");
        }

        return call.ResponseStream.Current;
    }

    public async Task<Welcome> ReadWelcomeAsync()
    {
        var message = await ReadAsync();
        message.KindCase.Should().Be(CoordinatorMessage.KindOneofCase.Welcome);
        return message.Welcome;
    }

    public async Task<JobOffer> ReadOfferAsync()
    {
        var message = await ReadAsync();
        message.KindCase.Should().Be(CoordinatorMessage.KindOneofCase.Offer);
        return message.Offer;
    }

    public async Task<CancelJob> ReadCancelAsync()
    {
        var message = await ReadAsync();
        message.KindCase.Should().Be(CoordinatorMessage.KindOneofCase.Cancel);
        return message.Cancel;
    }

    /// <summary>Ends the stream from the node's side (the node goes offline) and waits for the coordinator to close it.</summary>
    public async Task CloseAsync()
    {
        await call.RequestStream.CompleteAsync();
        using var timeout = new CancellationTokenSource(TestCoordinator.CallTimeout);
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            // Drain whatever was still queued for the node.
        }
    }

    public ValueTask DisposeAsync()
    {
        call.Dispose();
        return ValueTask.CompletedTask;
    }
}
