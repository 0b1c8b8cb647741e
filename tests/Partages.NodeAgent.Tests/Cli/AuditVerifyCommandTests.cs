using System.Net;
using System.Net.Sockets;

namespace Partages.NodeAgent.Tests.Cli;

/// <summary>
/// <c>audit verify</c>'s exit codes against the last anchor saved (the coordinator out of reach): 0 intact, 7 truncated,
/// 8 rewritten, 1 broken. The comparison with a live coordinator runs in the end-to-end tests.
/// </summary>
public sealed class AuditVerifyCommandTests : TestDirectoryPerTest
{
    private TestPki _pki = null!;
    private string _configPath = null!;
    private string _logPath = null!;

    [SetUp]
    public void Create()
    {
        _pki = new TestPki();
        _configPath = Scratch.Combine("node.yaml");
        File.WriteAllText(_configPath, $"""
            name: chu-test
            coordinator:
              url: https://127.0.0.1:{ClosedPort()}
            data_directory: ./node-data
            datasets:
              - name: amr-reports
                path: ./amr.jsonl
                format: jsonl
            """);
        _pki.WriteIdentity(Scratch.Combine("node-data", "identity"), "chu-test");
        using var identity = NodeIdentity.Load(new IdentityFiles(Scratch.Combine("node-data", "identity")));
        var audit = Scratch.Combine("node-data", "audit");
        using (var log = new AuditLog(audit, TimeProvider.System, NullLogger<AuditLog>.Instance, AuditSigner.From(identity)))
        {
            for (var i = 1; i <= 80; i++)
            {
                log.Append(new AuditEntry(AuditEvents.JobApproved) { RunId = $"run-{i}", By = "operator" });
            }

            var (seq, hash) = log.Head;
            AuditAnchorFile.Save(audit, new AuditAnchor { Head = new AuditHead { Sequence = seq, EntrySha256 = hash } }, DateTimeOffset.UtcNow);
        }

        _logPath = Path.Combine(audit, AuditLog.FileName);
    }

    [TearDown]
    public void Delete()
    {
        _pki.Dispose();
    }

    [Test]
    public async Task Verify_IntactLog_ExitCode0()
    {
        var (code, output) = await VerifyAsync("--offline");

        code.Should().Be(ExitCodes.Ok, output);
        output.Should().Contain("OK:").And.Contain("1 signed checkpoint(s) verified").And.Contain("contains the entry the coordinator");
    }

    [Test]
    public async Task Verify_LastLineCut_ExitCode7NamingBothEnds()
    {
        File.WriteAllLines(_logPath, File.ReadAllLines(_logPath)[..^1]);

        var (code, output) = await VerifyAsync("--offline");

        code.Should().Be(ExitCodes.AuditTruncated, output);
        output.Should().Contain("TRUNCATED:").And.Contain("last saw entry #81 with hash").And.Contain("the local chain ends at #80");
    }

    [Test]
    public async Task Verify_CoordinatorUnreachable_FallsBackToTheSavedAnchor()
    {
        File.WriteAllLines(_logPath, File.ReadAllLines(_logPath)[..^10]);

        var (code, output) = await VerifyAsync();

        code.Should().Be(ExitCodes.AuditTruncated, output);
        output.Should().Contain("could not be asked").And.Contain("using the last anchor received");
    }

    [Test]
    public async Task Verify_CheckpointLineEditedWithHashesRecomputed_ExitCode8()
    {
        var lines = File.ReadAllLines(_logPath);
        var checkpoint = Array.FindIndex(lines, l => l.Contains("\"event\":\"checkpoint\"", StringComparison.Ordinal));
        // The forger's cheapest move: keep everything, replay the chain from a changed line with new hashes.
        var rewritten = lines.ToArray();
        var previous = AuditChain.Genesis;
        for (var i = 0; i < rewritten.Length; i++)
        {
            var entry = new AuditEntry(i == 2 ? AuditEvents.JobRejectedByOperator : AuditEvents.JobApproved) { RunId = $"run-{i + 1}", By = "operator" };
            if (i == checkpoint)
            {
                entry = Copy(lines[i]);
            }

            (rewritten[i], previous) = AuditChain.Format(i + 1, DateTimeOffset.UtcNow, entry, previous);
        }

        File.WriteAllLines(_logPath, rewritten);

        var (code, output) = await VerifyAsync("--offline");

        code.Should().Be(ExitCodes.AuditRewritten, output);
        output.Should().Contain("REWRITTEN:").And.Contain("does not verify");
    }

    [Test]
    public async Task Verify_LineEditedWithoutRechaining_ExitCode1()
    {
        var lines = File.ReadAllLines(_logPath);
        lines[4] = lines[4].Replace("\"by\":\"operator\"", "\"by\":\"intruder\"", StringComparison.Ordinal);
        File.WriteAllLines(_logPath, lines);

        var (code, output) = await VerifyAsync("--offline");

        code.Should().Be(ExitCodes.Failure, output);
        output.Should().Contain("BROKEN:").And.Contain("line 5");
    }

    [Test]
    public async Task Verify_AfterCaRotationAndRenewal_CheckpointsUnderTheRetiredCaStillVerify()
    {
        using var newPki = new TestPki("Next coordinator CA");
        RotateTo(newPki, keepRetired: true);

        var (code, output) = await VerifyAsync("--offline");

        code.Should().Be(ExitCodes.Ok, output);
        output.Should().Contain("OK:").And.Contain("2 signed checkpoint(s) verified", "one signed under the retired CA, one under the new one");
    }

    [Test]
    public async Task Verify_AfterCaRotationWithoutTheRetiredCa_ExitCode8NamingTheOldCheckpoint()
    {
        // Only CAs the node itself pinned vouch for a checkpoint: without the retired CA's file, the old
        // checkpoint's issuer is unknown, and it must fail rather than pass.
        using var newPki = new TestPki("Next coordinator CA");
        RotateTo(newPki, keepRetired: false);

        var (code, output) = await VerifyAsync("--offline");

        code.Should().Be(ExitCodes.AuditRewritten, output);
        output.Should().Contain("checkpoint at entry #65 does not verify").And.Contain("not issued by a coordinator CA this node trusts");
    }

    /// <summary>
    /// What a CA rotation leaves in the identity directory (<see cref="TrustUpdate"/>, then the renewal): the old CA
    /// kept as <c>ca-retired-*.crt</c>, a new key and certificate from the new CA; then the agent starts (a
    /// checkpoint under the new certificate) and logs on.
    /// </summary>
    private void RotateTo(TestPki newPki, bool keepRetired)
    {
        var files = new IdentityFiles(Scratch.Combine("node-data", "identity"));
        var oldPin = CaPin.Of(_pki.Ca);
        if (keepRetired)
        {
            File.Move(files.CaCertificatePath, files.RetiredCaCertificatePath(oldPin));
        }

        newPki.WriteIdentity(files.Directory, "chu-test");
        using var identity = NodeIdentity.Load(files);
        var audit = Scratch.Combine("node-data", "audit");
        using var log = new AuditLog(audit, TimeProvider.System, NullLogger<AuditLog>.Instance, AuditSigner.From(identity));
        for (var i = 1; i <= 5; i++)
        {
            log.Append(new AuditEntry(AuditEvents.JobApproved) { RunId = $"after-rotation-{i}", By = "operator" });
        }

        var (seq, hash) = log.Head;
        AuditAnchorFile.Save(audit, new AuditAnchor { Head = new AuditHead { Sequence = seq, EntrySha256 = hash } }, DateTimeOffset.UtcNow);
    }

    private async Task<(int Code, string Output)> VerifyAsync(params string[] extra)
    {
        var (code, output, error) = await AgentCli.InvokeAsync(["audit", "verify", "--config", _configPath, .. extra]);
        return (code, output + error);
    }

    /// <summary>The checkpoint's own members, copied as a forger would (the signature cannot be redone without the key).</summary>
    private static AuditEntry Copy(string line)
    {
        using var json = System.Text.Json.JsonDocument.Parse(line);
        var root = json.RootElement;
        return new AuditEntry(AuditEvents.Checkpoint)
        {
            By = root.GetProperty("by").GetString(),
            Signature = root.GetProperty("signature").GetString(),
            SignerCertificate = root.GetProperty("signer_certificate").GetString(),
        };
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
