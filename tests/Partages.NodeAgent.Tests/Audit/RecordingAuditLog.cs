using System.Collections.Concurrent;

namespace Partages.NodeAgent.Tests.Audit;

/// <summary>An <see cref="IAuditLog"/> in memory, for tests of the parts that write to it.</summary>
public sealed class RecordingAuditLog : IAuditLog
{
    private readonly ConcurrentQueue<AuditEntry> _entries = new();
    private long _seq;

    public IReadOnlyCollection<AuditEntry> Entries => _entries;

    public AuditRecord Append(AuditEntry entry)
    {
        _entries.Enqueue(entry);
        var seq = Interlocked.Increment(ref _seq);
        return new AuditRecord(seq, DateTimeOffset.UtcNow, entry, AuditChain.Genesis, AuditChain.Genesis);
    }
}
