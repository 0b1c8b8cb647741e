using System.Text.RegularExpressions;

namespace Partages.NodeAgent.Tests.Audit;

/// <summary>
/// Issue 22, finding 6: an unkeyed hash chain let a cut end (1 or 10 lines) and a full rewrite with recomputed hashes
/// pass 'audit verify'. Each case here first shows that the bare chain still verifies, then that the signed
/// checkpoints and the anchor catch it.
/// </summary>
public sealed partial class AuditAnchorTests : TestDirectoryPerTest
{
    private const string NodeName = "chu-test";

    private TestPki _pki = null!;

    [SetUp]
    public void Create() => _pki = new TestPki();

    [TearDown]
    public void Delete() => _pki.Dispose();

    [Test]
    public void Verify_IntactLogReachingItsAnchor_Intact()
    {
        var lines = WriteSignedLog(100);

        var report = AuditVerifier.Verify(Text(lines), Trust(), AnchorAt(lines, lines.Length));

        report.Finding.Should().Be(AuditFinding.Intact, string.Join("; ", report.Problems));
        report.CheckpointsVerified.Should().Be(1, "100 entries: one checkpoint after the 64th");
        report.Notes.Should().Contain(n => n.Contains("contains the entry", StringComparison.Ordinal));
    }

    [TestCase(1)]
    [TestCase(10)]
    public void Verify_LastLinesCut_TruncatedNamingTheAnchorAndTheNewEnd(int cut)
    {
        var lines = WriteSignedLog(100);
        var anchor = AnchorAt(lines, lines.Length);
        var kept = lines[..^cut];

        var bareChain = AuditChain.Verify(Text(kept));
        var report = AuditVerifier.Verify(Text(kept), Trust(), anchor);

        bareChain.Valid.Should().BeTrue("a cut end leaves a consistent chain: this is what the anchor is for");
        report.Finding.Should().Be(AuditFinding.Truncated);
        report.Problems.Should().ContainSingle().Which.Should()
            .Contain($"last saw entry #{lines.Length} with hash {anchor.EntrySha256}")
            .And.Contain($"the local chain ends at #{lines.Length - cut}");
    }

    [Test]
    public void Verify_FullRewriteWithRecomputedHashes_RewrittenByTheCheckpointAlone()
    {
        var lines = WriteSignedLog(100);
        var forged = AuditLogForgery.Rechain(lines, (seq, body) => seq == 3 ? body.Replace("\"by\":\"operator-3\"", "\"by\":\"someone-else\"", StringComparison.Ordinal) : body);

        var bareChain = AuditChain.Verify(Text(forged));
        var withoutAnchor = AuditVerifier.Verify(Text(forged), Trust(), anchor: null);

        bareChain.Valid.Should().BeTrue("the forger recomputed every hash");
        withoutAnchor.Finding.Should().Be(AuditFinding.Rewritten);
        withoutAnchor.Problems.Should().Contain(p => p.Contains("checkpoint at entry #65 does not verify", StringComparison.Ordinal));
    }

    [Test]
    public void Verify_FullRewriteWithRecomputedHashes_RewrittenAgainstTheAnchorWithoutTheIdentity()
    {
        var lines = WriteSignedLog(100);
        var anchor = AnchorAt(lines, lines.Length);
        var forged = AuditLogForgery.Rechain(lines, (seq, body) => seq == 3 ? body.Replace("\"by\":\"operator-3\"", "\"by\":\"someone-else\"", StringComparison.Ordinal) : body);

        var report = AuditVerifier.Verify(Text(forged), trust: null, anchor);

        report.Finding.Should().Be(AuditFinding.Rewritten);
        report.Problems.Should().ContainSingle().Which.Should().Contain($"the local entry #{lines.Length} has hash");
    }

    [Test]
    public void Verify_RewriteDroppingEveryCheckpoint_RewrittenForTheUnsignedEntries()
    {
        var lines = WriteSignedLog(100);
        var withoutCheckpoints = lines.Where(l => !l.Contains("\"event\":\"checkpoint\"", StringComparison.Ordinal)).ToArray();
        // Renumbered and re-hashed: a whole chain that never had a checkpoint.
        var forged = AuditLogForgery.Rechain(withoutCheckpoints, (_, body) => body, renumber: true);

        var report = AuditVerifier.Verify(Text(forged), Trust(), anchor: null);

        AuditChain.Verify(Text(forged)).Valid.Should().BeTrue();
        report.Finding.Should().Be(AuditFinding.Rewritten);
        report.Problems.Should().ContainSingle().Which.Should().Contain("entries #1 to #99 (99) follow no valid checkpoint");
    }

    [Test]
    public void Verify_TailAfterTheLastCheckpointRewritten_OnlyTheAnchorSeesIt()
    {
        var lines = WriteSignedLog(100);
        var anchor = AnchorAt(lines, lines.Length);
        var forged = AuditLogForgery.Rechain(lines, (seq, body) => seq == 90 ? body.Replace("\"by\":\"operator-", "\"by\":\"intruder-", StringComparison.Ordinal) : body);

        var local = AuditVerifier.Verify(Text(forged), Trust(), anchor: null);
        var anchored = AuditVerifier.Verify(Text(forged), Trust(), anchor);

        local.Finding.Should().Be(AuditFinding.Intact, "entries after the last checkpoint are signed by nothing yet");
        anchored.Finding.Should().Be(AuditFinding.Rewritten);
    }

    [Test]
    public void Verify_CheckpointSignedByAnotherNodesCertificate_Rewritten()
    {
        var lines = WriteSignedLog(70, signerName: "chu-ailleurs");

        var report = AuditVerifier.Verify(Text(lines), Trust(), anchor: null);

        report.Finding.Should().Be(AuditFinding.Rewritten);
        report.Problems.Should().Contain(p => p.Contains("not for this node 'chu-test'", StringComparison.Ordinal));
    }

    [Test]
    public void Append_Reopened_StartsWithACheckpointOverThePreviousRun()
    {
        WriteSignedLog(3);
        using (var reopened = new AuditLog(Scratch.Combine("audit"), TimeProvider.System, NullLogger<AuditLog>.Instance, Signer()))
        {
            reopened.Append(new AuditEntry(AuditEvents.AgentStarted)).Seq.Should().Be(5, "seq 4 is the checkpoint sealing seq 1-3");
        }

        var lines = File.ReadAllLines(Scratch.Combine("audit", AuditLog.FileName));
        var report = AuditVerifier.Verify(Text(lines), Trust(), anchor: null);

        lines[3].Should().Contain("\"event\":\"checkpoint\"").And.Contain("\"by\":\"chu-test\"");
        report.Finding.Should().Be(AuditFinding.Intact, string.Join("; ", report.Problems));
        report.CheckpointsVerified.Should().Be(1);
    }

    [Test]
    public void Head_AfterAppends_IsTheLastLinesSeqAndHash()
    {
        using var log = new AuditLog(Scratch.Combine("audit"), TimeProvider.System, NullLogger<AuditLog>.Instance, Signer());
        log.Append(new AuditEntry(AuditEvents.AgentStarted));
        var last = log.Append(new AuditEntry(AuditEvents.PolicyLoaded));

        log.Head.Should().Be((last.Seq, last.Hash));
    }

    [Test]
    public void Load_SavedAnchor_RoundTrips()
    {
        var anchor = new Contracts.V1.AuditAnchor { Head = new Contracts.V1.AuditHead { Sequence = 12, EntrySha256 = new string('a', 64) }, Warning = "heartbeat head refused: …" };

        AuditAnchorFile.Save(Scratch.Combine("audit"), anchor, DateTimeOffset.UnixEpoch);
        var saved = AuditAnchorFile.Load(Scratch.Combine("audit"), out var problem);

        problem.Should().BeNull();
        saved.Should().Be(new SavedAnchor(12, new string('a', 64), null, DateTimeOffset.UnixEpoch, "heartbeat head refused: …"));
    }

    /// <summary>Writes <paramref name="count"/> entries through a log signing checkpoints; returns the file's lines.</summary>
    private string[] WriteSignedLog(int count, string signerName = NodeName)
    {
        using (var log = new AuditLog(Scratch.Combine("audit"), TimeProvider.System, NullLogger<AuditLog>.Instance, Signer(signerName)))
        {
            for (var i = 1; log.Head.Seq < count; i++)
            {
                log.Append(new AuditEntry(AuditEvents.JobApproved) { RunId = $"run-{i}", By = $"operator-{i}" });
            }
        }

        var lines = File.ReadAllLines(Scratch.Combine("audit", AuditLog.FileName));
        lines.Should().HaveCountGreaterThanOrEqualTo(count);
        return lines;
    }

    private AuditSigner Signer(string name = NodeName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = _pki.SignCsr(SigningRequest.CreatePem(key, name));
        using var withKey = certificate.CopyWithPrivateKey(key);
        return AuditSigner.From(withKey)!;
    }

    private CheckpointTrust Trust() => new(NodeName, _pki.Ca);

    private static AnchorHead AnchorAt(string[] lines, long seq) =>
        new(seq, AuditLogForgery.Hash(lines[seq - 1]), "the coordinator");

    private static string Text(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));
}
