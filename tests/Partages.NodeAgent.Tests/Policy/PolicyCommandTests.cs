namespace Partages.NodeAgent.Tests.Policy;

/// <summary><c>run</c> without a valid policy, and <c>check</c> printing the fingerprint to paste.</summary>
public sealed class PolicyCommandTests : TestDirectoryPerTest
{
    private string _configPath = null!;

    [SetUp]
    public void Create()
    {
        File.WriteAllText(Scratch.Combine("amr.jsonl"), "{\"id\": \"1\", \"text\": \"x\", \"label\": \"sensible\"}\n");
        _configPath = Scratch.Combine("node.yaml");
        File.WriteAllText(_configPath, """
            name: chu-valmont
            coordinator:
              url: https://127.0.0.1:1
            data_directory: ./node-data
            policy: ./policy.yaml
            datasets:
              - name: amr-reports
                path: ./amr.jsonl
                format: jsonl
            """);
    }

    [Test]
    public async Task Run_PolicyFileMissing_RefusesToStart_ExitCode2()
    {
        var (code, _, error) = await AgentCli.InvokeAsync(["run", "--config", _configPath]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("policy.yaml").And.Contain("cannot read");
    }

    [Test]
    public async Task Run_PolicyInvalid_ListsEveryErrorWithItsLine_ExitCode2()
    {
        File.WriteAllText(Scratch.Combine("policy.yaml"), "datasets:\n  - name: unknown\n    snapshot_sha256: x\n    legal_basis: y\ntasks: [summarization]\n");

        var (code, _, error) = await AgentCli.InvokeAsync(["run", "--config", _configPath]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("line 2").And.Contain("line 3").And.Contain("line 5");
    }

    [Test]
    public async Task Check_SnapshotNotTheApprovedOne_PrintsTheCurrentFingerprintToPaste()
    {
        File.WriteAllText(Scratch.Combine("policy.yaml"), $"datasets:\n  - name: amr-reports\n    snapshot_sha256: {new string('a', 64)}\n    legal_basis: DUA\ntasks: [single_label_classification]\n");
        var fingerprint = Partages.Evaluation.ContentHash.Of(File.ReadAllBytes(Scratch.Combine("amr.jsonl")));

        var (code, output, _) = await AgentCli.InvokeAsync(["check", "--config", _configPath]);

        code.Should().Be(ExitCodes.Failure);
        output.Should().Contain($"[FAIL] snapshot 'amr-reports'").And.Contain($"snapshot_sha256: {fingerprint}");
    }
}
