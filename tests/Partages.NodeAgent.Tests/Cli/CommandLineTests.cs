namespace Partages.NodeAgent.Tests.Cli;

public sealed class CommandLineTests : FakeCoordinatorFixture
{
    private string _configPath = null!;

    [SetUp]
    public void Start()
    {
        Directory.CreateDirectory(Scratch.Combine("data"));
        File.WriteAllText(Scratch.Combine("data", "amr.jsonl"), "{\"id\": \"1\", \"text\": \"x\", \"label\": \"sensible\"}\n");
        _configPath = Scratch.Combine("node.yaml");
        File.WriteAllText(_configPath, $"""
            name: chu-valmont
            coordinator:
              url: {Coordinator.Address.ToString().TrimEnd('/')}
            data_directory: ./node-data
            policy: ./policy.yaml
            datasets:
              - name: amr-reports
                path: ./data/amr.jsonl
                format: jsonl
            """);
        // The policy 'run' requires: the dataset at its current fingerprint (for JSONL, the SHA-256 of the file).
        File.WriteAllText(Scratch.Combine("policy.yaml"), $"""
            datasets:
              - name: amr-reports
                snapshot_sha256: {Partages.Evaluation.ContentHash.Of(File.ReadAllBytes(Scratch.Combine("data", "amr.jsonl")))}
                legal_basis: test agreement
            models:
              pinned_bundles: ["{new string('0', 64)}"]
            tasks: [single_label_classification]
            approval: auto
            """);
    }

    [Test]
    public async Task NoCommand_PrintsUsageError_ExitCode2()
    {
        var (code, _, error) = await AgentCli.InvokeAsync([]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("--help");
    }

    [Test]
    public async Task Run_InvalidConfig_ListsEveryErrorWithItsLine_ExitCode2()
    {
        File.WriteAllText(_configPath, "name: Bad Name\ncoordinator:\n  url: ftp://x\nheartbeat_seconds: -1\ndatasets: []\n");

        var (code, _, error) = await AgentCli.InvokeAsync(["run", "--config", _configPath]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("line 1").And.Contain("line 3").And.Contain("line 4").And.Contain("line 5").And.Contain("data_directory: is required");
    }

    [Test]
    public async Task Run_NotEnrolled_SaysHowToEnroll_ExitCode3()
    {
        var (code, _, error) = await AgentCli.InvokeAsync(["run", "--config", _configPath]);

        code.Should().Be(ExitCodes.IdentityProblem);
        error.Should().Contain("not enrolled").And.Contain("enroll --config");
    }

    [Test]
    public async Task Run_CertificateExpired_RefusesToStart_ExitCode3()
    {
        Pki.WriteIdentity(Scratch.Combine("node-data", "identity"), "chu-valmont", lifetime: TimeSpan.FromMinutes(-1));

        var (code, _, error) = await AgentCli.InvokeAsync(["run", "--config", _configPath]);

        code.Should().Be(ExitCodes.IdentityProblem);
        error.Should().Contain("expired");
    }

    [Test]
    public async Task Enroll_WrongPin_RefusedWithClearMessage_ExitCode4()
    {
        using var other = new TestPki("Other CA");

        var (code, _, error) = await AgentCli.InvokeAsync(["enroll", "--config", _configPath, "--token", "good-token", "--ca-sha256", other.Pin]);

        code.Should().Be(ExitCodes.UntrustedCoordinator);
        error.Should().Contain(other.Pin);
    }

    [Test]
    public async Task Enroll_MalformedPin_ExitCode2()
    {
        var (code, _, error) = await AgentCli.InvokeAsync(["enroll", "--config", _configPath, "--token", "good-token", "--ca-sha256", "not-a-hash"]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("--ca-sha256");
    }

    [Test]
    public async Task EnrollThenCheck_AllGood_ExitCode0()
    {
        var enrolled = await AgentCli.InvokeAsync(["enroll", "--config", _configPath, "--token", "good-token", "--ca-sha256", Pki.Pin]);
        var checkedOut = await AgentCli.InvokeAsync(["check", "--config", _configPath]);
        var again = await AgentCli.InvokeAsync(["enroll", "--config", _configPath, "--token", "good-token", "--ca-sha256", Pki.Pin]);

        enrolled.Code.Should().Be(ExitCodes.Ok, enrolled.Error);
        enrolled.Output.Should().Contain("Enrolled as node 'chu-valmont'");
        checkedOut.Code.Should().Be(ExitCodes.Ok, checkedOut.Output);
        checkedOut.Output.Should().Contain("[ok]   coordinator").And.Contain("All checks passed.").And.NotContain("[FAIL]");
        again.Code.Should().Be(ExitCodes.IdentityProblem);
        again.Error.Should().Contain("already enrolled");
    }

    [Test]
    public async Task Check_NotEnrolledAndDatasetMissing_ListsWhatToFix_ExitCode1()
    {
        File.Delete(Scratch.Combine("data", "amr.jsonl"));

        var (code, output, _) = await AgentCli.InvokeAsync(["check", "--config", _configPath]);

        code.Should().Be(ExitCodes.Failure);
        output.Should().Contain("[FAIL] dataset 'amr-reports'").And.Contain("[FAIL] identity").And.Contain("2 problem(s) to fix.");
    }

    [Test]
    public async Task Check_CoordinatorDown_SaysItCannotReachIt_ExitCode1()
    {
        Pki.WriteIdentity(Scratch.Combine("node-data", "identity"), "chu-valmont");
        await Coordinator.DisposeAsync();

        var (code, output, _) = await AgentCli.InvokeAsync(["check", "--config", _configPath]);

        code.Should().Be(ExitCodes.Failure);
        output.Should().Contain("[FAIL] coordinator: cannot reach");
    }
}
