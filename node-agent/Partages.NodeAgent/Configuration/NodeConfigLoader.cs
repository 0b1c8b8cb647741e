using Partages.Evaluation;
using Partages.NodeAgent.Engine.Datasets;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Partages.NodeAgent.Configuration;

/// <summary>
/// Reads node.yaml and reports every problem at once, each with its line, so hospital IT fixes the file in
/// one pass. Relative paths are resolved against the folder of the configuration file, never the working directory.
/// </summary>
public static partial class NodeConfigLoader
{
    private static readonly string[] RootFields =
        ["name", "coordinator", "data_directory", "heartbeat_seconds", "max_concurrent_runs", "stop_grace_seconds", "reconnect", "datasets", "policy"];

    private static readonly string[] CoordinatorFields = ["url"];
    private static readonly string[] ReconnectFields = ["initial_delay_ms", "max_delay_seconds", "breaker_failures", "breaker_seconds"];
    private static readonly string[] DatasetFields = ["name", "path", "format"];

    public static ConfigLoadResult LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        string yaml;
        try
        {
            yaml = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ConfigLoadResult(null, [new YamlError(0, 0, "config", $"cannot read '{fullPath}': {ex.Message}")]);
        }

        return Parse(yaml, fullPath);
    }

    /// <param name="yaml">The file's text.</param>
    /// <param name="sourcePath">Absolute path of the file; relative paths inside are resolved against its folder.</param>
    public static ConfigLoadResult Parse(string yaml, string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(sourcePath)) ?? Directory.GetCurrentDirectory();
        var errors = new List<YamlError>();

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            errors.Add(new YamlError((int)ex.Start.Line, (int)ex.Start.Column, "config", $"is not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
            return new ConfigLoadResult(null, errors);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new YamlError(0, 0, "config", $"must be one YAML mapping (key: value lines); see {ExampleFiles.NodeConfig}"));
            return new ConfigLoadResult(null, errors);
        }

        var top = new MappingReader(root, "", errors);
        top.RejectUnknown(RootFields);

        var name = top.String("name", required: true);
        if (name is not null)
        {
            top.AddErrors(NodeConfigValidator.Name(name));
        }

        Uri? url = null;
        var coordinator = top.Mapping("coordinator", required: true);
        if (coordinator is not null)
        {
            coordinator.RejectUnknown(CoordinatorFields);
            url = ReadCoordinatorUrl(coordinator);
        }

        var dataDirectory = top.String("data_directory", required: true);
        var heartbeat = top.Integer("heartbeat_seconds", min: 1, max: 3600) ?? NodeConfig.DefaultHeartbeatSeconds;
        var maxRuns = top.Integer("max_concurrent_runs", min: 1, max: 64) ?? NodeConfig.DefaultMaxConcurrentRuns;
        var stopGrace = top.Integer("stop_grace_seconds", min: 0, max: NodeConfig.MaxStopGraceSeconds) ?? NodeConfig.DefaultStopGraceSeconds;

        var reconnect = new ReconnectConfig();
        var reconnectNode = top.Mapping("reconnect", required: false);
        if (reconnectNode is not null)
        {
            reconnectNode.RejectUnknown(ReconnectFields);
            reconnect = new ReconnectConfig
            {
                InitialDelayMilliseconds = reconnectNode.Integer("initial_delay_ms", min: 10, max: 60_000) ?? ReconnectConfig.DefaultInitialDelayMilliseconds,
                MaxDelaySeconds = reconnectNode.Integer("max_delay_seconds", min: 1, max: 3600) ?? ReconnectConfig.DefaultMaxDelaySeconds,
                BreakerFailures = reconnectNode.Integer("breaker_failures", min: 2, max: 1000) ?? ReconnectConfig.DefaultBreakerFailures,
                BreakerSeconds = reconnectNode.Integer("breaker_seconds", min: 1, max: 3600) ?? ReconnectConfig.DefaultBreakerSeconds,
            };
            reconnectNode.AddErrors(NodeConfigValidator.Reconnect(reconnect));
        }

        var datasets = ReadDatasets(top, baseDirectory);
        var policy = top.String("policy", required: false);

        if (errors.Count > 0 || name is null || url is null || dataDirectory is null || datasets is null)
        {
            return new ConfigLoadResult(null, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        var config = new NodeConfig
        {
            Name = name,
            CoordinatorUrl = url,
            DataDirectory = Resolve(baseDirectory, dataDirectory),
            HeartbeatSeconds = heartbeat,
            MaxConcurrentRuns = maxRuns,
            StopGraceSeconds = stopGrace,
            Reconnect = reconnect,
            Datasets = datasets,
            PolicyPath = policy is null ? null : Resolve(baseDirectory, policy),
            SourcePath = Path.GetFullPath(sourcePath),
        };
        return new ConfigLoadResult(config, []);
    }

    private static Uri? ReadCoordinatorUrl(MappingReader coordinator)
    {
        var text = coordinator.String("url", required: true);
        if (text is null)
        {
            return null;
        }

        if (NodeConfigValidator.CoordinatorUrl(text, out var url) is { } problem)
        {
            coordinator.AddErrors([problem]);
        }

        return url;
    }

    private static List<DatasetDefinition>? ReadDatasets(MappingReader top, string baseDirectory)
    {
        var items = top.Sequence("datasets", required: true);
        if (items is null)
        {
            return null;
        }

        if (items.Count == 0)
        {
            top.AddError("datasets", "lists no dataset; a node exposes at least one");
            return null;
        }

        var datasets = new List<DatasetDefinition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var readers = top.MappingItems("datasets", items, "must be a mapping with name, path and format", DatasetFields);
        var ok = readers.Count == items.Count;
        foreach (var item in readers)
        {
            var name = item.String("name", required: true);
            var path = item.String("path", required: true);
            var format = item.String("format", required: true);
            var problems = NodeConfigValidator.Dataset(name, format, seen).ToList();
            item.AddErrors(problems);
            if (name is null || path is null || format is null || problems.Count > 0)
            {
                ok = false;
                continue;
            }

            datasets.Add(new DatasetDefinition(name, Resolve(baseDirectory, path), format));
        }

        return ok ? datasets : null;
    }

    private static string Resolve(string baseDirectory, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path));
}
