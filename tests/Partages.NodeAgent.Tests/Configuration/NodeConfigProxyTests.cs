using Partages.Trust.Network;

namespace Partages.NodeAgent.Tests.Configuration;

/// <summary>coordinator.proxy and a coordinator.url list in node.yaml, and HTTPS_PROXY / NO_PROXY when the file names no proxy.</summary>
public sealed class NodeConfigProxyTests : TestDirectoryPerTest
{
    private const string Datasets = """
        data_directory: ./data
        datasets:
          - name: amr-reports
            path: ./amr.jsonl
            format: jsonl
        """;

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Test]
    public void Parse_ProxyWithCredentialsFileAndNoProxy_ReadsThem()
    {
        File.WriteAllText(Scratch.Combine("proxy.cred"), "alice:pa:ss\n");

        var config = Load("""
              proxy:
                url: http://proxy.hospital.example:3128
                credentials_file: ./proxy.cred
                no_proxy: [internal.example, 10.0.0.5]
            """, NoEnvironment).Config!;

        config.Proxy!.Address.Should().Be(new Uri("http://proxy.hospital.example:3128"));
        config.Proxy.Credentials!.UserName.Should().Be("alice");
        config.Proxy.Credentials.Password.Should().Be("pa:ss");
        config.Proxy.NoProxy.Should().Equal("internal.example", "10.0.0.5");
        config.Proxy.Source.Should().Be("coordinator.proxy in node.yaml");
    }

    [Test]
    public void Parse_BadProxyFields_ListsEveryError()
    {
        var result = Load("""
              proxy:
                url: https://user:pw@proxy.example:3128/path
                credentials_file: ./missing.cred
                colour: blue
            """, NoEnvironment);

        result.IsValid.Should().BeFalse();
        result.Errors.Select(e => e.Field).Should().BeEquivalentTo(["coordinator.proxy.url", "coordinator.proxy.credentials_file", "coordinator.proxy.colour"]);
        result.Errors.Should().OnlyContain(e => e.Line > 0);
    }

    [Test]
    public void Parse_NoProxyInFile_TakesHttpsProxyAndNoProxyFromTheEnvironment()
    {
        var environment = new Dictionary<string, string> { ["https_proxy"] = "bob:secret@proxy.example:8080", ["NO_PROXY"] = "a.example, .b.example" };

        var proxy = Load("", n => environment.GetValueOrDefault(n)).Config!.Proxy!;

        proxy.Address.Should().Be(new Uri("http://proxy.example:8080"));
        proxy.Credentials!.UserName.Should().Be("bob");
        proxy.Source.Should().Be("https_proxy");
        proxy.NoProxy.Should().Equal("a.example", ".b.example");
    }

    [Test]
    public void Parse_ProxyNone_IgnoresTheEnvironment()
    {
        Load("  proxy: none\n", _ => "http://proxy.example:8080").Config!.Proxy.Should().BeNull();
    }

    [Test]
    public void Parse_UnusableHttpsProxy_IsAnErrorNamingTheVariableNotThePassword()
    {
        var result = Load("", n => n == "HTTPS_PROXY" ? "ftp://user:pw@proxy.example" : null);

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain("HTTPS_PROXY").And.Contain("http://").And.NotContain("pw");
    }

    [Test]
    public void Parse_SeveralUrls_KeepsTheirOrder()
    {
        var config = Load("", NoEnvironment, url: "[https://a.example:7443, https://b.example:7443]").Config!;

        config.CoordinatorUrls.Should().Equal(new Uri("https://a.example:7443"), new Uri("https://b.example:7443"));
        config.CoordinatorUrl.Should().Be(new Uri("https://a.example:7443"));
    }

    [Test]
    public void Parse_BadAndRepeatedUrls_ListsEach()
    {
        var result = Load("", NoEnvironment, url: "[https://a.example:7443, http://b.example, https://a.example:7443]");

        result.Errors.Should().HaveCount(2);
        result.Describe().Should().Contain("not an https:// address").And.Contain("listed more than once");
    }

    [TestCase("coordinator.example.org", "https://coordinator.example.org:7443/", true)]
    [TestCase(".example.org", "https://coordinator.example.org:7443/", true)]
    [TestCase("example.org", "https://coordinator.example.org/", true)]
    [TestCase("ample.org", "https://coordinator.example.org/", false)]
    [TestCase("127.0.0.1", "https://127.0.0.1:7443/", true)]
    [TestCase("*", "https://anything.example/", true)]
    public void Bypasses_NoProxyEntry_MatchesHostAndSubdomains(string entry, string target, bool bypassed)
    {
        var proxy = new ProxySettings { Address = new Uri("http://proxy:3128"), NoProxy = [entry], Source = "test" };

        proxy.Bypasses(new Uri(target)).Should().Be(bypassed);
    }

    private ConfigLoadResult Load(string coordinatorExtra, Func<string, string?> environment, string url = "https://coordinator.example.org:7443") =>
        NodeConfigLoader.Parse($"name: chu-valmont\ncoordinator:\n  url: {url}\n{coordinatorExtra}\n{Datasets}\n", Scratch.Combine("node.yaml"), environment);
}
