using Google.Protobuf;

namespace Partages.NodeAgent.Audit;

/// <summary>
/// The node's side of the audit anchor: the signed head it sends with every hello, heartbeat and result, and what it
/// does with the anchor a Welcome brings back (keeps it for offline checks, compares it with the local log and warns
/// at once when the log no longer reaches it).
/// </summary>
public sealed partial class AuditAnchoring(AuditLog log, TimeProvider timeProvider, ILogger<AuditAnchoring> logger)
{
    private readonly Lock _gate = new();
    private AuditHead? _signed;

    /// <summary>The log's head signed with the node's key; null when the log has no signer (never in a running agent).</summary>
    public AuditHead? CurrentHead()
    {
        if (log.Signer is not { } signer)
        {
            return null;
        }

        var (seq, hash) = log.Head;
        lock (_gate)
        {
            // Heartbeats repeat the same head for as long as nothing is logged: sign it once.
            if (_signed is not { } cached || cached.Sequence != seq || cached.EntrySha256 != hash)
            {
                cached = new AuditHead { Sequence = seq, EntrySha256 = hash, Signature = ByteString.CopyFrom(signer.Sign(seq, hash)) };
                _signed = cached;
            }

            return cached.Clone();
        }
    }

    /// <summary>The signer's key changed (a renewed certificate): the next head is signed again, with the new key.</summary>
    public void SignerChanged()
    {
        lock (_gate)
        {
            _signed = null;
        }
    }

    /// <summary>Keeps the coordinator's anchor (from a Welcome) and compares the local log with it; problems are logged.</summary>
    public void Received(AuditAnchor? anchor)
    {
        if (anchor is null)
        {
            return;
        }

        if (anchor.Warning.Length > 0)
        {
            LogCoordinatorWarning(logger, anchor.Warning);
        }

        if (anchor.Head is not { } head)
        {
            return;
        }

        try
        {
            AuditAnchorFile.Save(log.Directory, anchor, timeProvider.GetUtcNow());
            var report = AuditVerifier.Verify(AuditChain.ReadFile(log.FilePath), trust: null, new AnchorHead(head.Sequence, head.EntrySha256, "the coordinator"));
            if (report.Finding != AuditFinding.Intact)
            {
                LogAnchorMismatch(logger, report.Finding, string.Join("; ", report.Problems));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogAnchorNotChecked(logger, ex);
        }
    }

    [LoggerMessage(EventId = 801, Level = LogLevel.Error, Message = "The audit log does not match the coordinator's anchor ({Finding}): {Problems}. Keep the file as evidence and run 'audit verify'")]
    private static partial void LogAnchorMismatch(ILogger logger, AuditFinding finding, string problems);

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "The coordinator refused an audit head from this node: {Warning}")]
    private static partial void LogCoordinatorWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 803, Level = LogLevel.Warning, Message = "The coordinator's audit anchor could not be saved or compared with the local log")]
    private static partial void LogAnchorNotChecked(ILogger logger, Exception exception);
}
