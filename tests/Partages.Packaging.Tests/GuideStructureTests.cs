namespace Partages.Packaging.Tests;

/// <summary>
/// Without root or dpkg the docs test is skipped; these still hold the guide to the order the install needs and to
/// the package's real paths, on any machine.
/// </summary>
public sealed class GuideStructureTests
{
    [Test]
    public void Parse_HospitalItGuide_TestedStepsComeInTheOrderTheInstallNeeds()
    {
        var blocks = GuideBlocks.Parse(RepositoryFiles.Read("docs", "hospital-it.md"));

        int IndexOf(Func<GuideBlock, bool> step, string what)
        {
            var index = blocks.ToList().FindIndex(b => step(b));
            index.Should().BeGreaterThanOrEqualTo(0, $"the guide's tested blocks include {what}");
            return index;
        }

        var install = IndexOf(b => b.Text.Contains("dpkg -i", StringComparison.Ordinal), "installing the package");
        var nodeYaml = IndexOf(b => b.Target == "/etc/partages/node.yaml", "editing node.yaml");
        var enroll = IndexOf(b => b.Text.Contains("Partages.NodeAgent enroll", StringComparison.Ordinal), "enrolling");
        var policy = IndexOf(b => b.Target == "/etc/partages/policy.yaml", "writing the policy");
        var start = IndexOf(b => b.Text.Contains("systemctl enable --now partages-node-agent", StringComparison.Ordinal), "starting the service");
        var audit = IndexOf(b => b.Text.Contains("audit verify", StringComparison.Ordinal), "verifying the audit log");

        // Enrolling reads node.yaml; the agent refuses to start without a policy and an identity.
        new[] { install, nodeYaml, enroll, policy, start, audit }.Should().BeInAscendingOrder();
    }

    [Test]
    public void Parse_MarkerWithoutAFencedBlock_FailsNamingTheLine()
    {
        var act = () => GuideBlocks.Parse("text\n<!-- docs-test: run -->\n\n```bash\nls\n```\n");

        act.Should().Throw<FormatException>().WithMessage("line 2:*");
    }

    [Test]
    public void Parse_RunAndFileMarkers_ReturnsBothBlocksWithTheirTargets()
    {
        var blocks = GuideBlocks.Parse("<!-- docs-test: run -->\n```bash\necho one\n```\n<!-- docs-test: file /tmp/x.yaml -->\n```yaml\na: 1\n```\n");

        blocks.Select(b => (b.Kind, b.Target, b.Text)).Should().Equal(
            (GuideBlockKind.Run, null, "echo one\n"),
            (GuideBlockKind.File, "/tmp/x.yaml", "a: 1\n"));
    }
}
