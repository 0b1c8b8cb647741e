namespace Partages.Coordinator.Tests.Admin;

/// <summary>The admin commands refuse node names the agent would refuse, and never print raw control characters.</summary>
public sealed class AdminHardeningTests : DataDirFixture
{
    [Test]
    public async Task EnrollmentToken_NameOf64Characters_RefusedWithTheRuleTheAgentApplies()
    {
        var (exit, output, error) = await TestCoordinator.RunCliAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", new string('a', 64));

        exit.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().Contain("is not a valid node name").And.Contain(Partages.Evaluation.NodeNames.Rule);
    }

    [Test]
    public async Task EnrollmentToken_NameOf63Characters_Issued()
    {
        var (exit, _, error) = await TestCoordinator.RunCliAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", new string('a', 63), "--json");

        exit.Should().Be(0, error);
    }

    [Test]
    public async Task EnrollmentToken_NameWithControlCharacters_ErrorShowsThemEscaped()
    {
        var (exit, _, error) = await TestCoordinator.RunCliAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", "\u001b[2J\u001b[Hsite\rfake\u202e");

        exit.Should().Be(1);
        error.Should().Contain("'\\x1b[2J\\x1b[Hsite\\rfake\\u202e'");
        error.Should().NotContainAny("\u001b", "\r", "\u202e");
    }

    [Test]
    public async Task RevokeNode_UnknownNameWithEscapes_ErrorShowsThemEscaped()
    {
        var (exit, _, error) = await TestCoordinator.RunCliAsync("admin", "revoke-node", "--data-dir", DataDir, "--node", "x\u0007\u009b31m");

        exit.Should().Be(1);
        error.Should().Contain("x\\x07\\x9b31m").And.NotContainAny("\u0007", "\u009b");
    }

    [Test]
    public async Task RevokeApiToken_ExistingName_TokenNoLongerListed()
    {
        (await TestCoordinator.RunCliAsync("admin", "api-token", "--data-dir", DataDir, "--name", "leaving", "--role", "viewer")).ExitCode.Should().Be(0);

        var (exit, output, error) = await TestCoordinator.RunCliAsync("admin", "revoke-api-token", "--data-dir", DataDir, "--name", "leaving");
        var (again, _, againError) = await TestCoordinator.RunCliAsync("admin", "revoke-api-token", "--data-dir", DataDir, "--name", "leaving");

        exit.Should().Be(0, error);
        output.Should().Contain("API token 'leaving' revoked");
        again.Should().Be(1);
        againError.Should().Contain("No API token is named 'leaving'");
    }
}
