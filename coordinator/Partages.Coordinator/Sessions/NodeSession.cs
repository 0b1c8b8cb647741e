using System.Threading.Channels;

namespace Partages.Coordinator.Sessions;

/// <summary>
/// One open Session stream: an outbox that the scheduler writes to (offers, cancellations) and the stream's
/// single writer drains, so messages to a node are never written concurrently.
/// </summary>
public sealed class NodeSession : IDisposable
{
    private readonly Channel<CoordinatorMessage> _outbox =
        Channel.CreateUnbounded<CoordinatorMessage>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource _closed = new();

    public NodeSession(NodeIdentity node)
    {
        Node = node;
    }

    public NodeIdentity Node { get; }

    public string NodeName => Node.Name;

    public ChannelReader<CoordinatorMessage> Outbox => _outbox.Reader;

    /// <summary>Cancelled when the session is closed by the coordinator (replaced by a newer session of the same node).</summary>
    public CancellationToken Closed => _closed.Token;

    public bool TrySend(CoordinatorMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>Stops accepting messages; the writer drains what is queued, then ends.</summary>
    public void Complete() => _outbox.Writer.TryComplete();

    /// <summary>Ends the session from the coordinator's side.</summary>
    public void Close()
    {
        _outbox.Writer.TryComplete();
        _closed.Cancel();
    }

    public void Dispose() => _closed.Dispose();
}
