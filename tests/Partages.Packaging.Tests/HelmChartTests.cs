using YamlDotNet.RepresentationModel;

namespace Partages.Packaging.Tests;

/// <summary>
/// The Helm charts read as files (no helm here): every value a template reads is declared, documented, in values.yaml;
/// and the 3-replica example sets every value the replica and gateway templates refuse to render without.
/// </summary>
public sealed partial class HelmChartTests
{
    private static IEnumerable<string> Charts() => ["partages-coordinator", "partages-node-agent"];

    [TestCaseSource(nameof(Charts))]
    public void Templates_EveryValueTheyRead_IsDeclaredInValuesYaml(string chart)
    {
        var values = Load(RepositoryFiles.PathOf("deploy", "helm", chart, "values.yaml"));
        var templates = Directory.GetFiles(RepositoryFiles.PathOf("deploy", "helm", chart, "templates"));
        var missing = templates
            .SelectMany(path => ValuesReference().Matches(File.ReadAllText(path)).Select(m => (File: Path.GetFileName(path), Path: m.Groups["path"].Value)))
            .Where(reference => !Declared(values, reference.Path.Split('.', StringSplitOptions.RemoveEmptyEntries)))
            .Select(reference => $"{reference.File}: .Values.{reference.Path}")
            .Distinct()
            .ToList();

        missing.Should().BeEmpty("a value read by a template but absent from values.yaml is undocumented and silently empty");
    }

    [Test]
    public void ReplicasExample_ThreeReplicasWithTheGateway_SetsEveryValueTheTemplatesRequire()
    {
        var chart = RepositoryFiles.PathOf("deploy", "helm", "partages-coordinator");
        var example = Load(Path.Combine(chart, "values-replicas.yaml"));
        var defaults = Load(Path.Combine(chart, "values.yaml"));
        var required = new[] { "statefulset.yaml", "gateway.yaml" }
            .SelectMany(file => RequiredValue().Matches(File.ReadAllText(Path.Combine(chart, "templates", file))).Select(m => m.Groups["path"].Value))
            .Distinct()
            .ToList();

        required.Should().Contain(["database.existingSecret", "pki.existingSecret", "gateway.tls.secretName"], "the templates refuse to render without them");
        foreach (var path in required)
        {
            // helm merges the example over values.yaml: a value the example leaves out takes its default.
            (Scalar(example, path) ?? Scalar(defaults, path)).Should().NotBeNullOrEmpty($"values-replicas.yaml (or the default) must set {path}, or the chart refuses it")
                .And.NotBe("false");
        }

        Scalar(example, "replicaCount").Should().Be("3");
        Scalar(example, "gateway.enabled").Should().Be("true");
        ((YamlSequenceNode)Node(example, "persistence.accessModes")!).Children.Select(c => c.ToString()).Should().Contain("ReadWriteMany", "the replicas share artifacts/ and pki/");
        RepositoryFiles.Read("docs", "deployment.md").Should().Contain("values-replicas.yaml");
    }

    [Test]
    public void Gateway_PodsAndService_SelectedApartFromTheReplicas()
    {
        var helpers = RepositoryFiles.Read("deploy", "helm", "partages-coordinator", "templates", "_helpers.tpl");
        var gateway = RepositoryFiles.Read("deploy", "helm", "partages-coordinator", "templates", "gateway.yaml");
        var selector = helpers[helpers.IndexOf("define \"partages-coordinator.gatewaySelectorLabels\"", StringComparison.Ordinal)..];

        // The coordinator's Service selects on the chart's name and the release: a gateway pod with those labels would get node traffic.
        selector[..selector.IndexOf("{{- end }}", StringComparison.Ordinal)].Should().Contain("-gateway");
        gateway.Should().NotContain("partages-coordinator.selectorLabels").And.NotContain("key: ca.pfx", "the gateway gets the CA's certificate, never its key")
            .And.Contain("key: ca.crt");
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Whether the path exists, or leads into a declared map, list or scalar (e.g. <c>podAnnotations: {}</c> read deeper).</summary>
    private static bool Declared(YamlMappingNode values, string[] path)
    {
        YamlNode node = values;
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map)
            {
                return true;
            }

            if (map.Children.Count == 0)
            {
                return true;
            }

            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return false;
            }

            node = next;
        }

        return true;
    }

    private static YamlNode? Node(YamlMappingNode root, string path)
    {
        YamlNode? node = root;
        foreach (var key in path.Split('.'))
        {
            node = node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var next) ? next : null;
        }

        return node;
    }

    private static string? Scalar(YamlMappingNode root, string path) => (Node(root, path) as YamlScalarNode)?.Value;

    [GeneratedRegex(@"\.Values(?<path>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();

    /// <summary>A guard <c>{{- if not .Values.X }}</c> followed by <c>{{- fail ... }}</c>.</summary>
    [GeneratedRegex(@"\{\{-? if not \.Values\.(?<path>[A-Za-z0-9_.]+) \}\}\s*\{\{-? fail ")]
    private static partial Regex RequiredValue();
}
