using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
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
    public async Task EnrollmentToken_InvalidNodeName_ExitCode1()
    {
        var (exit, _, error) = await TestCoordinator.RunCliAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", "Bad Name");

        exit.Should().Be(1);
        error.Should().Contain("not a valid node name");
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

    [Test]
    public async Task ApiToken_UnknownRole_ExitCode2()
    {
        var (exit, _, _) = await TestCoordinator.RunCliAsync("admin", "api-token", "--data-dir", DataDir, "--name", "alice", "--role", "boss");

        exit.Should().Be(2);
    }

    [Test]
    public async Task RevokeNode_UnknownNode_ExitCode1()
    {
        var (exit, _, error) = await TestCoordinator.RunCliAsync("admin", "revoke-node", "--data-dir", DataDir, "--node", "nobody");

        exit.Should().Be(1);
        error.Should().Contain("nobody");
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
