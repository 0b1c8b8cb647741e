using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Partages.Contracts;

namespace Partages.Coordinator.Audit;

/// <summary>What became of a head a node sent.</summary>
public enum AuditHeadOutcome
{
    /// <summary>The message carried no head (an older agent): nothing changes.</summary>
    Absent,

    /// <summary>The head is the node's new anchor.</summary>
    Recorded,

    /// <summary>The same head as the anchor (heartbeats while nothing was logged).</summary>
    Unchanged,

    /// <summary>Refused: bad signature, malformed, behind the anchor, or another hash at the anchor's sequence. The anchor stays.</summary>
    Refused,
}

/// <summary>
/// Keeps, per node, the latest head of its audit log — sequence number and entry hash, signed with the node's
/// enrolled key — so the node's log can later be checked against it (<c>audit verify</c>). The coordinator checks the
/// signature against the node's current certificate and refuses a head that goes backwards or changes the hash at
/// the anchored sequence; a refusal leaves the anchor as it was and records a warning on the node (log, dashboard,
/// JSON API). A refused head never refuses the message carrying it: the audit log proves things about the node, it
/// does not gate its work. Nothing per document is stored.
/// </summary>
public sealed partial class AuditAnchors(IDbContextFactory<CoordinatorDbContext> dbFactory, ILogger<AuditAnchors> logger)
{
    // Public keys by certificate SHA-256: heartbeats carry heads every few seconds, the PEM need not be parsed each time.
    private readonly ConcurrentDictionary<string, byte[]> _publicKeys = new(StringComparer.Ordinal);

    /// <summary>
    /// Applies a head the node sent to its row, inside the caller's unit of work (the caller saves).
    /// <paramref name="via"/> names the message (hello, heartbeat, result) for the warning.
    /// </summary>
    public AuditHeadOutcome Record(NodeEntity node, AuditHead? head, string via, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (head is null)
        {
            return AuditHeadOutcome.Absent;
        }

        if (Problem(node, head) is { } problem)
        {
            var warning = $"{via} head refused: {problem}";
            // A node that went backwards repeats the same head at every heartbeat: one warning, at its first occurrence.
            if (!string.Equals(node.AuditWarning, warning, StringComparison.Ordinal))
            {
                node.AuditWarning = warning;
                node.AuditWarningAt = now;
                Log.HeadRefused(logger, node.Name, warning);
            }

            return AuditHeadOutcome.Refused;
        }

        if (node.AuditHeadSequence == head.Sequence && string.Equals(node.AuditHeadSha256, head.EntrySha256, StringComparison.Ordinal))
        {
            return AuditHeadOutcome.Unchanged;
        }

        node.AuditHeadSequence = head.Sequence;
        node.AuditHeadSha256 = head.EntrySha256;
        node.AuditHeadSignature = head.Signature.ToByteArray();
        node.AuditHeadRecordedAt = now;
        Log.HeadRecorded(logger, node.Name, head.Sequence, head.EntrySha256, via);
        return AuditHeadOutcome.Recorded;
    }

    /// <summary>The node's anchor as stored now (empty for an unknown node).</summary>
    public async Task<AuditAnchor> ReadAsync(string nodeId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await db.Nodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == nodeId, cancellationToken).ConfigureAwait(false);
        return node is null ? new AuditAnchor() : ToProto(node);
    }

    public static AuditAnchor ToProto(NodeEntity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var anchor = new AuditAnchor { Warning = node.AuditWarning };
        if (node.AuditHeadSequence is { } sequence && node.AuditHeadSha256 is { } hash)
        {
            anchor.Head = new AuditHead { Sequence = sequence, EntrySha256 = hash, Signature = ByteString.CopyFrom(node.AuditHeadSignature ?? []) };
            anchor.RecordedAt = node.AuditHeadRecordedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null;
        }

        anchor.WarningAt = node.AuditWarningAt is { } warned ? Timestamp.FromDateTimeOffset(warned) : null;
        return anchor;
    }

    private string? Problem(NodeEntity node, AuditHead head)
    {
        if (head.Sequence < 0 || head.EntrySha256.Length != 64 || !head.EntrySha256.All(char.IsAsciiHexDigitLower))
        {
            return $"#{head.Sequence} is malformed (a sequence from 0 and a lowercase hex SHA-256 are expected)";
        }

        if (!SignatureVerifies(node, head))
        {
            return $"the signature of #{head.Sequence} ({head.EntrySha256}) does not verify with the node's certificate";
        }

        if (node.AuditHeadSequence is { } anchored)
        {
            if (head.Sequence < anchored)
            {
                return $"#{head.Sequence} ({head.EntrySha256}) is behind the anchor #{anchored} ({node.AuditHeadSha256}): the node's audit log went backwards (cut, or restored from an older copy)";
            }

            if (head.Sequence == anchored && !string.Equals(head.EntrySha256, node.AuditHeadSha256, StringComparison.Ordinal))
            {
                return $"#{head.Sequence} has hash {head.EntrySha256}, but the anchor at #{anchored} has {node.AuditHeadSha256}: the node's audit log was rewritten";
            }
        }

        return null;
    }

    /// <summary>
    /// With the key of the node's current certificate, or of the one its last renewal replaced (still accepted until it
    /// expires): a node signs with the key of the identity it runs with until it switches to the renewed one.
    /// </summary>
    private bool SignatureVerifies(NodeEntity node, AuditHead head) =>
        SignatureVerifies(node, node.CertificateSha256, node.CertificatePem, head)
        || (node.PreviousCertificateSha256 is { } previous && node.PreviousCertificatePem is { } previousPem
            && SignatureVerifies(node, previous, previousPem, head));

    private bool SignatureVerifies(NodeEntity node, string certificateSha256, string certificatePem, AuditHead head)
    {
        var spki = _publicKeys.GetOrAdd(certificateSha256, _ => PublicKeyOf(certificatePem));
        if (spki.Length == 0)
        {
            return false;
        }

        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        return AuditHeadSignature.Verify(key, node.Name, head.Sequence, head.EntrySha256, head.Signature.Span);
    }

    private static byte[] PublicKeyOf(string certificatePem)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(certificatePem);
            using var key = certificate.GetECDsaPublicKey();
            return key?.ExportSubjectPublicKeyInfo() ?? [];
        }
        catch (CryptographicException)
        {
            return [];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Warning, "Audit anchor of node {Node}: {Warning}. The anchor is unchanged; the warning is shown on the node.")]
        public static partial void HeadRefused(ILogger logger, string node, string warning);

        [LoggerMessage(311, LogLevel.Debug, "Audit anchor of node {Node} is now #{Sequence} ({Sha256}), from its {Via}.")]
        public static partial void HeadRecorded(ILogger logger, string node, long sequence, string sha256, string via);
    }
}
