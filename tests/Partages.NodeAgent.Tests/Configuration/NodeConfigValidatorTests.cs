namespace Partages.NodeAgent.Tests.Configuration;

/// <summary>The validators alone, apart from the YAML reading: every problem of a part at once.</summary>
public sealed class NodeConfigValidatorTests
{
    [Test]
    public void Dataset_BadNameAndUnknownFormat_BothListed()
    {
        var problems = NodeConfigValidator.Dataset("Not A Name", "xlsx", new HashSet<string>(StringComparer.Ordinal)).ToList();

        problems.Select(p => p.Field).Should().Equal("name", "format");
    }

    [Test]
    public void Dataset_SameNameTwice_SecondIsADuplicate()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);

        NodeConfigValidator.Dataset("radiology", "jsonl", seen).Should().BeEmpty();
        NodeConfigValidator.Dataset("radiology", "jsonl", seen).Should().ContainSingle().Which.Message.Should().Contain("more than once");
    }

    [TestCase("http://coordinator:7443", "not an https://")]
    [TestCase("https://coordinator:7443/api", "base address")]
    public void CoordinatorUrl_NotAnHttpsBaseAddress_Refused(string text, string expected)
    {
        NodeConfigValidator.CoordinatorUrl(text, out var url)!.Value.Message.Should().Contain(expected);
        url.Should().BeNull();
    }

    [Test]
    public void Reconnect_FirstDelayLongerThanTheLongest_Refused() =>
        NodeConfigValidator.Reconnect(new ReconnectConfig { InitialDelayMilliseconds = 5000, MaxDelaySeconds = 2 })
            .Should().ContainSingle().Which.Field.Should().Be("initial_delay_ms");

    [Test]
    public void Signer_DuplicateNameAndBadKey_BothListed()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "team" };

        PolicyValidator.Signer("team", "not a key", names).Select(p => p.Field).Should().Equal("name", "public_key");
    }

    [TestCase("auto", 0)]
    [TestCase("manual", 0)]
    [TestCase("sometimes", 1)]
    public void Approval_Mode_OnlyAutoOrManual(string mode, int problems) =>
        PolicyValidator.Approval(mode).Should().HaveCount(problems);
}
