using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Partages.Coordinator.Tests.Admin;

public sealed partial class AdminCommandTests : DataDirFixture
{
    [Test]
    public async Task EnrollmentToken_Json_OneLineWithNodeTokenAndCaPinOfTheNewCa()
    {
        var (exit, output, _) = await TestCoordinator.RunCliAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", "hopital-a", "--json");

        exit.Should().Be(0);
        output.TrimEnd('\n').Should().NotContain("\n");
        using var json = JsonDocument.Parse(output);
        json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("node", "token", "ca_sha256");
        json.RootElement.GetProperty("node").GetString().Should().Be("hopital-a");
        json.RootElement.GetProperty("token").GetString().Should().MatchRegex("^pte_[A-Za-z0-9_-]{43}$");
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(DataDir, "pki", "ca.crt")));
        json.RootElement.GetProperty("ca_sha256").GetString().Should().Be(Convert.ToHexStringLower(SHA256.HashData(ca.RawData)));
    }

    [Test]
    public async Task EnrollmentToken_Text_PrintsTokenPinAndTheNodeCommand()
    {
        var (exit, output, _) = await TestCoordinator.RunCliAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", "hopital-b", "--ttl-hours", "2");

        exit.Should().Be(0);
        output.Should().Contain("Enrollment token for node 'hopital-b'").And.Contain("Partages.NodeAgent enroll --config node.yaml --token pte_");
        TokenPattern().IsMatch(output).Should().BeTrue();
    }

    [Test]
    public async Task ApiToken_Json_OneLineWithNameRoleToken()
    {
        var (exit, output, _) = await TestCoordinator.RunCliAsync("admin", "api-token", "--data-dir", DataDir, "--name", "alice", "--role", "viewer", "--json");

        exit.Should().Be(0);
        using var json = JsonDocument.Parse(output);
        json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("name", "role", "token");
        json.RootElement.GetProperty("role").GetString().Should().Be("viewer");
        json.RootElement.GetProperty("token").GetString().Should().StartWith("pta_");
    }

    [TestCase("enrollment-token", "--node", "Bad Name", 1, "not a valid node name", TestName = "EnrollmentToken_InvalidNodeName_ExitCode1")]
    [TestCase("api-token", "--role", "boss", 2, "", TestName = "ApiToken_UnknownRole_ExitCode2")]
    [TestCase("revoke-node", "--node", "nobody", 1, "nobody", TestName = "RevokeNode_UnknownNode_ExitCode1")]
    public async Task AdminCommand_RefusedArgument_ExitCodeAndError(string command, string option, string value, int expectedExit, string expectedError)
    {
        string[] name = command == "api-token" ? ["--name", "alice"] : [];

        var (exit, _, error) = await TestCoordinator.RunCliAsync(["admin", command, "--data-dir", DataDir, .. name, option, value]);

        exit.Should().Be(expectedExit);
        // A usage error (exit code 2, expected error "") is worded by System.CommandLine: only its code is checked.
        error.Should().Match($"*{expectedError}*");
    }

    [Test]
    public async Task Tokens_StoredOnlyAsHashes()
    {
        var (_, enrollment, _) = await TestCoordinator.RunCliAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", "hashed", "--json");
        var (_, api, _) = await TestCoordinator.RunCliAsync("admin", "api-token", "--data-dir", DataDir, "--name", "hashed", "--role", "admin", "--json");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var database = await File.ReadAllBytesAsync(Path.Combine(DataDir, "coordinator.db"));
        var text = System.Text.Encoding.ASCII.GetString(database);
        foreach (var output in new[] { enrollment, api })
        {
            using var json = JsonDocument.Parse(output);
            text.Should().NotContain(json.RootElement.GetProperty("token").GetString());
        }
    }

    [GeneratedRegex(@"^  pte_[A-Za-z0-9_-]{43}$", RegexOptions.Multiline)]
    private static partial Regex TokenPattern();
}
