using System.Globalization;
using System.Text.RegularExpressions;
using Partages.Evaluation;
using Partages.NodeAgent.Engine;
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
            return new ConfigLoadResult(null, [new ConfigError(0, 0, "config", $"cannot read '{fullPath}': {ex.Message}")]);
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
        var errors = new List<ConfigError>();

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            errors.Add(new ConfigError((int)ex.Start.Line, (int)ex.Start.Column, "config", $"is not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
            return new ConfigLoadResult(null, errors);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new ConfigError(0, 0, "config", $"must be one YAML mapping (key: value lines); see {ExampleFiles.NodeConfig}"));
            return new ConfigLoadResult(null, errors);
        }

        var top = new MappingReader(root, "", errors);
        top.RejectUnknown(RootFields);

        var name = top.String("name", required: true);
        if (name is not null && !NodeNames.IsValid(name))
        {
            top.AddError("name", "must be " + NodeNames.Rule);
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
            var initial = reconnectNode.Integer("initial_delay_ms", min: 10, max: 60_000) ?? ReconnectConfig.DefaultInitialDelayMilliseconds;
            var max = reconnectNode.Integer("max_delay_seconds", min: 1, max: 3600) ?? ReconnectConfig.DefaultMaxDelaySeconds;
            if (initial > max * 1000L)
            {
                reconnectNode.AddError("initial_delay_ms", $"{initial} ms is longer than max_delay_seconds ({max} s)");
            }

            var breakerFailures = reconnectNode.Integer("breaker_failures", min: 2, max: 1000) ?? ReconnectConfig.DefaultBreakerFailures;
            var breakerSeconds = reconnectNode.Integer("breaker_seconds", min: 1, max: 3600) ?? ReconnectConfig.DefaultBreakerSeconds;
            reconnect = new ReconnectConfig
            {
                InitialDelayMilliseconds = initial,
                MaxDelaySeconds = max,
                BreakerFailures = breakerFailures,
                BreakerSeconds = breakerSeconds,
            };
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

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
        {
            coordinator.AddError("url", $"'{text}' is not an https:// address (e.g. https://coordinator.example.org:7443)");
            return null;
        }

        if (url.AbsolutePath != "/" || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            coordinator.AddError("url", "must be the coordinator's base address: scheme, host and port only, no path");
            return null;
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
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var prefix = $"datasets[{i}].";
            if (items[i] is not YamlMappingNode mapping)
            {
                top.AddErrorAt(items[i], $"datasets[{i}]", "must be a mapping with name, path and format");
                ok = false;
                continue;
            }

            var item = top.Child(mapping, prefix);
            item.RejectUnknown(DatasetFields);
            var name = item.String("name", required: true);
            if (name is not null && !DatasetNamePattern().IsMatch(name))
            {
                item.AddError("name", "must be a dataset name as specs ask for it: lowercase letters, digits, '-' or '_'");
                name = null;
            }
            else if (name is not null && !seen.Add(name))
            {
                item.AddError("name", $"'{name}' is declared more than once");
                name = null;
            }

            var path = item.String("path", required: true);
            var format = item.String("format", required: true);
            if (format is not null && !DatasetFormats.All.Contains(format))
            {
                item.AddError("format", $"'{format}' is not a supported format (supported: {string.Join(", ", DatasetFormats.All)})");
                format = null;
            }

            if (name is null || path is null || format is null)
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

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex DatasetNamePattern();

    /// <summary>Reads typed fields of one mapping, recording an error (with position) for each bad or missing one (policy.yaml's loader uses it too).</summary>
    internal sealed class MappingReader(YamlMappingNode node, string prefix, List<ConfigError> errors)
    {
        public MappingReader Child(YamlMappingNode child, string childPrefix) => new(child, childPrefix, errors);

        public void RejectUnknown(IReadOnlyCollection<string> known)
        {
            foreach (var key in node.Children.Keys)
            {
                var text = (key as YamlScalarNode)?.Value ?? key.ToString();
                if (!known.Contains(text))
                {
                    AddErrorAt(key, prefix + text, $"is not a known field here (known: {string.Join(", ", known)})");
                }
            }
        }

        public void AddError(string field, string message)
        {
            var value = Find(field);
            if (value is null)
            {
                AddErrorAt(node, prefix + field, message);
            }
            else
            {
                AddErrorAt(value, prefix + field, message);
            }
        }

        public void AddErrorAt(YamlNode at, string field, string message) =>
            errors.Add(new ConfigError((int)at.Start.Line, (int)at.Start.Column, field, message));

        public string? String(string field, bool required)
        {
            var value = Find(field);
            if (value is null)
            {
                return Missing(field, required);
            }

            if (value is not YamlScalarNode { Value: { } text } scalar || IsNull(scalar))
            {
                AddErrorAt(value, prefix + field, required ? "is required and must be a text value" : "must be a text value");
                return null;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                AddErrorAt(value, prefix + field, "must not be empty");
                return null;
            }

            return text;
        }

        public int? Integer(string field, int min, int max)
        {
            var value = Find(field);
            if (value is null)
            {
                return null;
            }

            if (value is not YamlScalarNode { Value: { } text } || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                AddErrorAt(value, prefix + field, "must be a whole number");
                return null;
            }

            if (number < min || number > max)
            {
                AddErrorAt(value, prefix + field, $"{number} is outside {min}..{max}");
                return null;
            }

            return number;
        }

        public double? Double(string field, double minExclusive, double max)
        {
            var value = Find(field);
            if (value is null)
            {
                Missing(field, required: true);
                return null;
            }

            if (value is not YamlScalarNode { Value: { } text }
                || !double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number))
            {
                AddErrorAt(value, prefix + field, "must be a number (e.g. 0.5)");
                return null;
            }

            if (number <= minExclusive || number > max)
            {
                AddErrorAt(value, prefix + field, $"{number.ToString(CultureInfo.InvariantCulture)} is outside ({minExclusive.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
                return null;
            }

            return number;
        }

        /// <summary>A list of text values; each bad item is an error. Null when missing (an error if required) or not a list.</summary>
        public IReadOnlyList<(string Text, YamlNode Node)>? Texts(string field, bool required)
        {
            var items = Sequence(field, required);
            if (items is null)
            {
                return null;
            }

            var texts = new List<(string, YamlNode)>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is YamlScalarNode { Value: { } text } && !string.IsNullOrWhiteSpace(text))
                {
                    texts.Add((text.Trim(), items[i]));
                }
                else
                {
                    AddErrorAt(items[i], $"{prefix}{field}[{i}]", "must be a non-empty text value");
                }
            }

            return texts;
        }

        public string Prefix => prefix;

        /// <summary>The raw node of a field (null when absent), for fields that take either a word or a mapping.</summary>
        public YamlNode? Node(string field) => Find(field);

        public MappingReader? Mapping(string field, bool required)
        {
            var value = Find(field);
            if (value is null)
            {
                Missing(field, required);
                return null;
            }

            if (value is not YamlMappingNode mapping)
            {
                AddErrorAt(value, prefix + field, "must be a mapping (indented key: value lines)");
                return null;
            }

            return new MappingReader(mapping, prefix + field + ".", errors);
        }

        public IReadOnlyList<YamlNode>? Sequence(string field, bool required)
        {
            var value = Find(field);
            if (value is null)
            {
                Missing(field, required);
                return null;
            }

            if (value is not YamlSequenceNode sequence)
            {
                AddErrorAt(value, prefix + field, "must be a list ('- item' lines)");
                return null;
            }

            return [.. sequence.Children];
        }

        private static bool IsNull(YamlScalarNode scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

        private string? Missing(string field, bool required)
        {
            if (required)
            {
                AddErrorAt(node, prefix + field, "is required");
            }

            return null;
        }

        private YamlNode? Find(string field) =>
            node.Children.TryGetValue(new YamlScalarNode(field), out var value) ? value : null;
    }
}
