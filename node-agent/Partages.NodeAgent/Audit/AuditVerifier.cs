using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.Contracts;
using Partages.NodeAgent.Connectivity;
using Partages.Trust;

namespace Partages.NodeAgent.Audit;

/// <summary>What <c>audit verify</c> concludes, from the least to the most serious for the exit code's purpose.</summary>
public enum AuditFinding
{
    /// <summary>The chain is whole, every checkpoint verifies, and the log reaches the anchor with the same hash.</summary>
    Intact,

    /// <summary>A line was changed, removed or reordered without recomputing the chain: the hash chain itself breaks.</summary>
    Broken,

    /// <summary>The log ends before the entry the coordinator (or the saved anchor) last saw: lines were cut from its end.</summary>
    Truncated,

    /// <summary>
    /// The chain is consistent but not the one that was anchored or signed: the entry at the anchored sequence has
    /// another hash, a checkpoint's signature fails, or too many entries follow the last checkpoint.
    /// </summary>
    Rewritten,
}

/// <summary>The head the local log is compared with, and who vouched for it (for the report).</summary>
public sealed record AnchorHead(long Sequence, string EntrySha256, string Source);

/// <summary>
/// Whose signatures a checkpoint may carry: a certificate for <paramref name="NodeName"/> issued by one of
/// <paramref name="Cas"/> — the node's CA, and the CAs it trusted before a CA rotation (learnt through a
/// cross-certificate, then retired): checkpoints signed before the rotation must still verify after it.
/// </summary>
public sealed record CheckpointTrust(string NodeName, IReadOnlyList<X509Certificate2> Cas)
{
    public CheckpointTrust(string nodeName, X509Certificate2 ca)
        : this(nodeName, [ca])
    {
    }
}

/// <summary>The verdict, each problem found (the first decides nothing: the most serious finding does), and notes.</summary>
public sealed record AuditReport(
    AuditFinding Finding,
    AuditVerification Chain,
    int CheckpointsVerified,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Notes);

/// <summary>
/// The full check of an audit log: the hash chain (<see cref="AuditChain"/>), the signed checkpoints (only the node's
/// key makes them, so a log rewritten with recomputed hashes fails here), and the anchor — the last head the
/// coordinator accepted from the node — which catches what no local check can: lines cut from the end, or a rewrite
/// of the entries after the last checkpoint.
/// </summary>
public static class AuditVerifier
{
    /// <param name="trust">Null when the node's identity is not available: checkpoints are then not checked (said in the notes).</param>
    /// <param name="anchor">Null when no anchor is known (never connected, or neither reachable nor saved).</param>
    public static AuditReport Verify(string text, CheckpointTrust? trust, AnchorHead? anchor)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chain = AuditChain.Verify(text);
        var problems = new List<string>();
        var notes = new List<string>();
        if (!chain.Valid)
        {
            problems.Add(chain.Problem!);
            if (anchor is not null)
            {
                notes.Add($"{anchor.Source} last saw entry #{anchor.Sequence} with hash {anchor.EntrySha256}");
            }

            return new AuditReport(AuditFinding.Broken, chain, 0, problems, notes);
        }

        var lines = AuditChain.Lines(text);
        var finding = AuditFinding.Intact;
        var verified = 0;
        if (trust is null)
        {
            notes.Add("checkpoint signatures were not checked: the node's identity files (certificate and CA) are not available");
        }
        else
        {
            verified = CheckCheckpoints(lines, trust, chain.LastSeq, problems);
            if (problems.Count > 0)
            {
                finding = AuditFinding.Rewritten;
            }
        }

        if (anchor is not null)
        {
            finding = Max(finding, CompareWithAnchor(lines, chain, anchor, problems, notes));
        }
        else
        {
            notes.Add("no anchor to compare with: a cut at the end of the log cannot be seen without one");
        }

        return new AuditReport(finding, chain, verified, problems, notes);
    }

    /// <summary>Checks every checkpoint's signature and the length of the unsigned tail; returns how many verified.</summary>
    private static int CheckCheckpoints(IReadOnlyList<AuditLine> lines, CheckpointTrust trust, long lastSeq, List<string> problems)
    {
        var verified = 0;
        var lastCheckpoint = 0L;
        foreach (var line in lines.Where(l => l.Event == AuditEvents.Checkpoint))
        {
            if (CheckpointProblem(line, trust) is { } problem)
            {
                problems.Add($"the checkpoint at entry #{line.Seq} does not verify ({problem}): the entries before it are not the ones the node signed");
                continue;
            }

            verified++;
            lastCheckpoint = line.Seq;
        }

        var unsigned = lastSeq - lastCheckpoint;
        if (unsigned > AuditLog.CheckpointInterval)
        {
            problems.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"entries #{lastCheckpoint + 1} to #{lastSeq} ({unsigned}) follow no valid checkpoint, but the agent signs one at each start and every {AuditLog.CheckpointInterval} entries: the log was rewritten (or written before checkpoints existed and the agent has not started since)"));
        }

        return verified;
    }

    private static string? CheckpointProblem(AuditLine line, CheckpointTrust trust)
    {
        if (line.Signature is null || line.SignerCertificate is null)
        {
            return "it carries no signature or no signer certificate";
        }

        byte[] signature;
        X509Certificate2 certificate;
        try
        {
            signature = Convert.FromBase64String(line.Signature);
            certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(line.SignerCertificate));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return "its signature or certificate is not readable";
        }

        using (certificate)
        {
            var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.Equals(name, trust.NodeName, StringComparison.Ordinal))
            {
                return $"signed by a certificate for '{name}', not for this node '{trust.NodeName}'";
            }

            // At the checkpoint's own time: a certificate replaced (or expired) since still vouches for what it signed then.
            DateTimeOffset? at = DateTimeOffset.TryParse(line.At, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var written) ? written : null;
            if (!TrustedChain.Builds(certificate, trust.Cas, [], at, usage: null, out var chainProblem))
            {
                return $"its certificate was not issued by a coordinator CA this node trusts or trusted ({chainProblem})";
            }

            using var key = certificate.GetECDsaPublicKey();
            return key is not null && AuditHeadSignature.Verify(key, trust.NodeName, line.Seq - 1, line.PrevHash, signature)
                ? null
                : "the signature does not match the entries before it";
        }
    }

    private static AuditFinding CompareWithAnchor(IReadOnlyList<AuditLine> lines, AuditVerification chain, AnchorHead anchor, List<string> problems, List<string> notes)
    {
        if (anchor.Sequence > chain.LastSeq)
        {
            problems.Add($"{anchor.Source} last saw entry #{anchor.Sequence} with hash {anchor.EntrySha256}; the local chain ends at #{chain.LastSeq}: {anchor.Sequence - chain.LastSeq} entr{(anchor.Sequence - chain.LastSeq == 1 ? "y was" : "ies were")} cut from its end");
            return AuditFinding.Truncated;
        }

        var local = anchor.Sequence == 0 ? AuditChain.Genesis : lines.FirstOrDefault(l => l.Seq == anchor.Sequence)?.Hash;
        if (!string.Equals(local, anchor.EntrySha256, StringComparison.Ordinal))
        {
            problems.Add($"{anchor.Source} last saw entry #{anchor.Sequence} with hash {anchor.EntrySha256}; the local entry #{anchor.Sequence} has hash {local ?? "(none)"}: the log was rewritten at or before that entry");
            return AuditFinding.Rewritten;
        }

        notes.Add($"the log contains the entry {anchor.Source} last saw (#{anchor.Sequence}, hash {anchor.EntrySha256})");
        return AuditFinding.Intact;
    }

    private static AuditFinding Max(AuditFinding a, AuditFinding b) => (AuditFinding)Math.Max((int)a, (int)b);
}
