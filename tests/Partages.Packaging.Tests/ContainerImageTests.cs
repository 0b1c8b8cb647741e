namespace Partages.Packaging.Tests;

/// <summary>
/// The container images the Helm charts pull exist as Dockerfiles and agree with them: names and tags, the commands the
/// charts call inside them, the user and the data directories; and docs/deployment.md installs the charts with the
/// values they require. (No container engine or helm here: these read the files.)
/// </summary>
public sealed partial class ContainerImageTests
{
    private static IEnumerable<string> Charts() => ["partages-coordinator", "partages-node-agent"];

    [TestCaseSource(nameof(Charts))]
    public void ChartImage_DefaultRepositoryAndAppVersion_MatchADockerfileAndTheTagItDocuments(string chart)
    {
        var values = RepositoryFiles.Read("deploy", "helm", chart, "values.yaml");
        var repository = ImageRepository().Match(values).Groups["repository"].Value;
        var appVersion = AppVersion().Match(RepositoryFiles.Read("deploy", "helm", chart, "Chart.yaml")).Groups["version"].Value;
        repository.Should().StartWith("partages/");
        var dockerfile = RepositoryFiles.PathOf("deploy", "docker", repository["partages/".Length..] + ".Dockerfile");

        File.Exists(dockerfile).Should().BeTrue($"{chart} pulls {repository}, built from {dockerfile}");
        File.ReadAllText(dockerfile).Should().Contain($"-t {repository}:{appVersion} .", "the Dockerfile says how to build the image the chart pulls by default");
        RepositoryFiles.Read("docs", "deployment.md").Should().Contain($"deploy/docker/{Path.GetFileName(dockerfile)}");
    }

    [TestCaseSource(nameof(Charts))]
    public void ChartCommands_EveryPartagesCommandTheChartRuns_IsOnTheImagesPath(string chart)
    {
        var templates = Directory.GetFiles(RepositoryFiles.PathOf("deploy", "helm", chart, "templates")).Select(File.ReadAllText);
        var commands = templates.SelectMany(t => CommandName().Matches(t).Select(m => m.Value)).Distinct().ToList();
        var dockerfile = File.ReadAllText(RepositoryFiles.PathOf("deploy", "docker", chart["partages-".Length..] + ".Dockerfile"));

        commands.Should().NotBeEmpty();
        foreach (var command in commands)
        {
            dockerfile.Should().Contain($"/usr/local/bin/{command}", $"{chart} runs '{command}' in the container");
        }
    }

    [TestCaseSource(nameof(Charts))]
    public void ChartSecurityContext_RunAsUser_IsTheImagesUser(string chart)
    {
        var values = RepositoryFiles.Read("deploy", "helm", chart, "values.yaml");
        var dockerfile = RepositoryFiles.Read("deploy", "docker", chart["partages-".Length..] + ".Dockerfile");

        values.Should().Contain("runAsUser: 10001");
        dockerfile.Should().Contain("USER 10001:10001").And.Contain("useradd --uid 10001");
    }

    [Test]
    public void DeploymentGuide_NodeAgentHelmInstall_PassesEveryValueTheChartRequires()
    {
        var guide = RepositoryFiles.Read("docs", "deployment.md");
        var section = guide[guide.IndexOf("### 3. The node agent", StringComparison.Ordinal)..guide.IndexOf("### 4.", StringComparison.Ordinal)];
        var install = section[section.IndexOf("helm install partages-node-agent", StringComparison.Ordinal)..];
        var valuesFile = ValuesFileArgument().Match(install).Groups["file"].Value;

        valuesFile.Should().NotBeEmpty("the datasets and the policy come in a values file");
        section.Should().Contain($"`{valuesFile}`:", "the guide shows the values file it passes");
        // The chart fails without these (templates/_helpers.tpl, deployment.yaml, secret.yaml).
        var given = section[..section.IndexOf("helm install", StringComparison.Ordinal)] + install;
        foreach (var required in new[] { "node.name=", "coordinator.url=", "enrollment.token=", "enrollment.caSha256=", "networkPolicy.coordinatorCIDR=", "image.repository=", "\npolicy:", "\ndatasets:", "  volume:", "  items:" })
        {
            given.Should().Contain(required);
        }
    }

    [GeneratedRegex(@"^image:\s*\n(?:\s+#.*\n)*\s+repository:\s*(?<repository>\S+)", RegexOptions.Multiline)]
    private static partial Regex ImageRepository();

    [GeneratedRegex(@"^appVersion:\s*""?(?<version>[^""\s]+)""?", RegexOptions.Multiline)]
    private static partial Regex AppVersion();

    [GeneratedRegex(@"\bPartages\.(?:NodeAgent|Coordinator|Gateway)\b(?!\.)")]
    private static partial Regex CommandName();

    [GeneratedRegex(@"-f (?<file>\S+\.yaml)")]
    private static partial Regex ValuesFileArgument();
}
