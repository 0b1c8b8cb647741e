using Grpc.Core;

namespace Partages.Coordinator.SecureAggregation;

/// <summary>What the session needs of any round, whatever its reply.</summary>
internal interface ISecureSumRound
{
    bool Closed { get; }

    bool Complete { get; }

    void NoLongerExpect(string node);

    void Fail(Status status);
}

/// <summary>
/// One round of a secure sum at the coordinator: who is expected, who has sent, and the reply everyone waits for. The
/// round closes when every expected member has sent or when its time runs out, whichever comes first; those who did
/// not send are that round's dropouts. All state is guarded by the session's lock.
/// </summary>
internal sealed class SecureSumRound<TReply> : ISecureSumRound
{
    private readonly TaskCompletionSource<Func<string, TReply>> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _expected;
    private readonly HashSet<string> _received = new(StringComparer.Ordinal);
    private ITimer? _timer;

    public SecureSumRound(string name, IEnumerable<string> expected)
    {
        Name = name;
        _expected = new HashSet<string>(expected, StringComparer.Ordinal);
    }

    public string Name { get; }

    public bool Closed { get; private set; }

    public IReadOnlyCollection<string> Received => _received;

    /// <summary>True once every member still expected has sent.</summary>
    public bool Complete => _expected.IsSubsetOf(_received);

    public void StartTimer(TimeProvider timeProvider, TimeSpan wait, Action onElapsed) =>
        _timer = timeProvider.CreateTimer(_ => onElapsed(), null, wait, Timeout.InfiniteTimeSpan);

    public void MarkReceived(string node) => _received.Add(node);

    /// <summary>A member that will not send (it abandoned the session): the round no longer waits for it.</summary>
    public void NoLongerExpect(string node) => _expected.Remove(node);

    /// <summary>What <paramref name="node"/> gets once the round closes.</summary>
    public async Task<TReply> ReplyForAsync(string node, CancellationToken cancellationToken) =>
        (await _reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false))(node);

    public void Close(Func<string, TReply> reply)
    {
        Closed = true;
        _timer?.Dispose();
        _reply.TrySetResult(reply);
    }

    public void Fail(Status status)
    {
        Closed = true;
        _timer?.Dispose();
        _reply.TrySetException(new RpcException(status));
    }
}
