using Partages.Evaluation;
using Partages.NodeAgent.Engine.Datasets;
using Partages.Trust.Network;
using YamlDotNet.RepresentationModel;

namespace Partages.NodeAgent.Configuration;

/// <summary>
/// Reads node.yaml and reports every problem at once, each with its line, so hospital IT fixes the file in
/// one pass. Relative paths are resolved against the folder of the configuration file, never the working directory.
/// </summary>
public static partial class NodeConfigLoader
{
    private static readonly string[] RootFields =
        ["name", "coordinator", "data_directory", "heartbeat_seconds", "max_concurrent_runs", "stop_grace_seconds", "reconnect", "certificate", "datasets", "policy"];

    private static readonly string[] CoordinatorFields = ["url", "proxy"];
    private static readonly string[] ProxyFields = ["url", "credentials_file", "no_proxy"];
    private static readonly string[] ReconnectFields = ["initial_delay_ms", "max_delay_seconds", "breaker_failures", "breaker_seconds"];
    private static readonly string[] CertificateFields = ["renew_at", "retry_max_delay_seconds"];
    private static readonly string[] DatasetFields = ["name", "path", "format", "annotators"];
    private static readonly string[] AnnotatorFields = ["name", "path"];

    /// <param name="environment">Reads an environment variable (HTTPS_PROXY, NO_PROXY); null: this process's.</param>
    public static ConfigLoadResult LoadFile(string path, Func<string, string?>? environment = null)
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

        return Parse(yaml, fullPath, environment);
    }

    /// <param name="yaml">The file's text.</param>
    /// <param name="sourcePath">Absolute path of the file; relative paths inside are resolved against its folder.</param>
    /// <param name="environment">Reads an environment variable (HTTPS_PROXY, NO_PROXY); null: this process's.</param>
    public static ConfigLoadResult Parse(string yaml, string sourcePath, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(sourcePath)) ?? Directory.GetCurrentDirectory();
        var errors = new List<YamlError>();
        if (MappingReader.ForRoot(yaml, "config", ExampleFiles.NodeConfig, errors) is not { } top)
        {
            return new ConfigLoadResult(null, errors);
        }

        top.RejectUnknown(RootFields);

        var name = top.String("name", required: true);
        if (name is not null)
        {
            top.AddErrors(NodeConfigValidator.Name(name));
        }

        IReadOnlyList<Uri>? urls = null;
        ProxySettings? proxy = null;
        var coordinator = top.Mapping("coordinator", required: true);
        if (coordinator is not null)
        {
            coordinator.RejectUnknown(CoordinatorFields);
            urls = ReadCoordinatorUrls(coordinator);
            proxy = ReadProxy(coordinator, baseDirectory, environment ?? Environment.GetEnvironmentVariable, errors);
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

        var certificate = new CertificateConfig();
        if (top.Mapping("certificate", required: false) is { } certificateNode)
        {
            certificateNode.RejectUnknown(CertificateFields);
            certificate = new CertificateConfig
            {
                // Low values renew long before the lifetime is used up (renewals pile up); above 0.95 a short outage near
                // the end could let the certificate expire.
                RenewAt = certificateNode.Node("renew_at") is null
                    ? CertificateConfig.DefaultRenewAt
                    : certificateNode.Double("renew_at", minExclusive: 0.25, max: 0.95) ?? CertificateConfig.DefaultRenewAt,
                RetryMaxDelaySeconds = certificateNode.Integer("retry_max_delay_seconds", min: 1, max: 86_400) ?? CertificateConfig.DefaultRetryMaxDelaySeconds,
            };
        }

        var datasets = ReadDatasets(top, baseDirectory);
        var policy = top.String("policy", required: false);

        if (errors.Count > 0 || name is null || urls is null || dataDirectory is null || datasets is null)
        {
            return new ConfigLoadResult(null, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        var config = new NodeConfig
        {
            Name = name,
            CoordinatorUrl = urls[0],
            CoordinatorUrls = urls,
            Proxy = proxy,
            DataDirectory = Resolve(baseDirectory, dataDirectory),
            HeartbeatSeconds = heartbeat,
            MaxConcurrentRuns = maxRuns,
            StopGraceSeconds = stopGrace,
            Reconnect = reconnect,
            Certificate = certificate,
            Datasets = datasets,
            PolicyPath = policy is null ? null : Resolve(baseDirectory, policy),
            SourcePath = Path.GetFullPath(sourcePath),
        };
        return new ConfigLoadResult(config, []);
    }

    /// <summary>coordinator.url: one address, or a list of them tried in order.</summary>
    private static List<Uri>? ReadCoordinatorUrls(MappingReader coordinator)
    {
        IReadOnlyList<(string Text, YamlNode Node)>? texts;
        if (coordinator.Node("url") is YamlSequenceNode)
        {
            texts = coordinator.Texts("url", required: true);
            if (texts is { Count: 0 })
            {
                coordinator.AddError("url", "lists no address");
                return null;
            }
        }
        else
        {
            texts = coordinator.String("url", required: true) is { } text ? [(text, coordinator.Node("url")!)] : null;
        }

        if (texts is null)
        {
            return null;
        }

        var urls = new List<Uri>();
        var ok = true;
        foreach (var (text, node) in texts)
        {
            if (NodeConfigValidator.CoordinatorUrl(text, out var url) is { } problem)
            {
                coordinator.AddErrorAt(node, coordinator.Prefix + problem.Field, problem.Message);
                ok = false;
            }
            else if (urls.Contains(url!))
            {
                coordinator.AddErrorAt(node, coordinator.Prefix + "url", $"'{text}' is listed more than once");
                ok = false;
            }
            else
            {
                urls.Add(url!);
            }
        }

        return ok ? urls : null;
    }

    /// <summary>
    /// coordinator.proxy: a mapping (url, credentials_file, no_proxy), or <c>none</c> for a direct connection whatever the
    /// environment says; when absent, HTTPS_PROXY and NO_PROXY decide (an unusable value is an error too).
    /// </summary>
    private static ProxySettings? ReadProxy(MappingReader coordinator, string baseDirectory, Func<string, string?> environment, List<YamlError> errors)
    {
        var node = coordinator.Node("proxy");
        if (node is null)
        {
            var fromEnvironment = ProxySettings.FromEnvironment(environment, out var problem);
            if (problem is not null)
            {
                errors.Add(new YamlError(0, 0, "environment", $"{problem}; fix or unset it, or set coordinator.proxy in node.yaml"));
            }

            return fromEnvironment;
        }

        if (node is YamlScalarNode { Value: "none" })
        {
            return null;
        }

        var proxy = coordinator.Mapping("proxy", required: false);
        if (proxy is null)
        {
            return null;
        }

        proxy.RejectUnknown(ProxyFields);
        var text = proxy.String("url", required: true);
        var credentialsFile = proxy.String("credentials_file", required: false);
        var noProxy = proxy.Texts("no_proxy", required: false);
        Uri? address = null;
        if (text is not null && ProxySettings.ParseAddress(text, allowCredentials: false, out address, out _) is { } error)
        {
            proxy.AddError("url", $"'{text}' {error}");
        }

        System.Net.NetworkCredential? credentials = null;
        if (credentialsFile is not null && ProxySettings.ReadCredentials(Resolve(baseDirectory, credentialsFile), out credentials) is { } unreadable)
        {
            proxy.AddError("credentials_file", unreadable);
        }

        return address is null
            ? null
            : new ProxySettings
            {
                Address = address,
                Credentials = credentials,
                NoProxy = [.. (noProxy ?? []).Select(n => n.Text)],
                Source = "coordinator.proxy in node.yaml",
            };
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

            var annotators = ReadAnnotatorFolders(item, format, baseDirectory);
            if (annotators is null)
            {
                ok = false;
                continue;
            }

            datasets.Add(new DatasetDefinition(name, Resolve(baseDirectory, path), format) { AnnotatorFolders = annotators });
        }

        return ok ? datasets : null;
    }

    /// <summary>
    /// A brat dataset's other annotators (<c>annotators: [{name, path}]</c>): each a folder of the same texts with that
    /// annotator's .ann files, named as a dataset_qc spec's <c>annotators</c> names it; null when one is wrong.
    /// </summary>
    private static List<AnnotatorFolder>? ReadAnnotatorFolders(MappingReader dataset, string format, string baseDirectory)
    {
        if (dataset.Sequence("annotators", required: false) is not { } items)
        {
            return [];
        }

        if (format != DatasetFormats.Brat)
        {
            dataset.AddError("annotators", $"names annotator folders, which only a brat dataset has (this one is {format}; a JSONL or CSV dataset names its annotators' fields in the spec)");
            return null;
        }

        var folders = new List<AnnotatorFolder>();
        var readers = dataset.MappingItems("annotators", items, "must be a mapping with name and path", AnnotatorFields);
        var ok = readers.Count == items.Count;
        foreach (var item in readers)
        {
            var (name, path) = (item.String("name", required: true), item.String("path", required: true));
            if (name == AnnotatorFolder.Own)
            {
                item.AddError("name", $"'{AnnotatorFolder.Own}' is the dataset's own folder; name the other annotators");
                ok = false;
            }
            else if (name is not null && folders.Any(f => f.Name == name))
            {
                item.AddError("name", $"'{name}' is named twice");
                ok = false;
            }
            else if (name is not null && path is not null)
            {
                folders.Add(new AnnotatorFolder(name, Resolve(baseDirectory, path)));
            }
            else
            {
                ok = false;
            }
        }

        return ok ? folders : null;
    }

    private static string Resolve(string baseDirectory, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path));
}
