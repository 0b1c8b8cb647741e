namespace Partages.NodeAgent.Enrollment;

/// <summary>
/// The identity the running agent presents now: the one it started with until a renewal installs the next. Identities
/// it replaced are kept until the agent stops (calls opened with them may still be running), then disposed.
/// </summary>
public sealed class CurrentIdentity : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<NodeIdentity> _replaced = [];
    private readonly NodeIdentity _initial;
    private NodeIdentity _value;

    public CurrentIdentity(NodeIdentity initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _initial = initial;
        _value = initial;
    }

    public NodeIdentity Value
    {
        get
        {
            lock (_gate)
            {
                return _value;
            }
        }
    }

    public void Replace(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        lock (_gate)
        {
            // The initial identity belongs to whoever loaded it (the run command disposes it); later ones are ours.
            if (!ReferenceEquals(_value, _initial))
            {
                _replaced.Add(_value);
            }

            _value = identity;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _replaced.ForEach(i => i.Dispose());
            if (!ReferenceEquals(_value, _initial))
            {
                _value.Dispose();
            }
        }
    }
}
