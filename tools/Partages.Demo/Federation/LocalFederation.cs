using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.Evaluation;

namespace Partages.Demo.Federation;

/// <summary>A dataset a demo hospital exposes to the federation (its node.yaml <c>datasets</c> entry).</summary>
public sealed record NodeDataset(string Name, string Path, string Format = "jsonl");

public sealed record FederationOptions
{
    /// <summary>Everything the federation writes: the coordinator's data dir, each node's data dir, logs.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>Extra arguments for <c>serve</c>, such as <c>--Coordinator:LeaseSeconds=3</c> in fault tests.</summary>
    public IReadOnlyList<string> CoordinatorArguments { get; init; } = [];

    /// <summary>
    /// Environment variables of the coordinator and of its admin commands: the database selection
    /// (<c>Coordinator__Database__Provider</c>, <c>Coordinator__Database__ConnectionString</c>), which both must share.
    /// </summary>
    public IReadOnlyDictionary<string, string> CoordinatorEnvironment { get; init; } = new Dictionary<string, string>();

    public int NodeHeartbeatSeconds { get; init; } = 2;

    /// <summary>When set, every process writes its finished spans as JSON lines to <c>&lt;dir&gt;/&lt;process&gt;.spans.jsonl</c> (docs/observability.md).</summary>
    public string? SpanFileDirectory { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Model bundles (SHA-256) every node's policy pins: a node runs only pinned or trusted-signed bundles, and the
    /// demo's bundles are unsigned. The policy is written when a node is added, so name the bundles before.
    /// </summary>
    public IReadOnlyList<string> PinnedBundleSha256 { get; init; } = [];

    /// <summary>The nodes' approval mode (<c>auto</c> for the demo; <c>manual</c> makes every job wait for 'jobs approve').</summary>
    public string Approval { get; init; } = "auto";

    /// <summary>
    /// The value of each dataset's <c>differential_privacy</c> line (YAML), e.g. <c>off</c> for tests that compare
    /// pooled counts with the union's exactly; null: no line, so the policy's default (differential privacy on).
    /// </summary>
    public string? DifferentialPrivacy { get; init; }
}

/// <summary>How one node differs from the federation's defaults.</summary>
public sealed record NodeSettings
{
    /// <summary>
    /// The coordinator URL written in this node's node.yaml (enrollment included), e.g. a fault-injecting relay in
    /// front of the coordinator; null for the coordinator's own.
    /// </summary>
    public Uri? CoordinatorUrl { get; init; }

    /// <summary>Every coordinator replica the node may use, in its order of preference (overrides <see cref="CoordinatorUrl"/>).</summary>
    public IReadOnlyList<Uri>? CoordinatorUrls { get; init; }

    /// <summary>This node's approval mode, when it differs from the federation's (<see cref="FederationOptions.Approval"/>).</summary>
    public string? Approval { get; init; }

    /// <summary>node.yaml's <c>stop_grace_seconds</c> (how long a stopping agent lets runs finish); null for the agent's default.</summary>
    public int? StopGraceSeconds { get; init; }

    /// <summary>node.yaml's <c>coordinator.proxy.url</c> (an HTTP proxy on the way); null: <c>proxy: none</c>, whatever the environment says.</summary>
    public Uri? ProxyUrl { get; init; }

    /// <summary>node.yaml's <c>certificate.renew_at</c> (share of the certificate's lifetime after which the agent renews it); null for the default.</summary>
    public double? CertificateRenewAt { get; init; }

    /// <summary><c>user:password</c> for the proxy, written to the node's <c>proxy-credentials</c> file (0600) and named by node.yaml.</summary>
    public string? ProxyCredentials { get; init; }

    /// <summary>Each dataset's policy <c>release</c> (<c>per_site</c> or <c>pooled_only</c>); null: no line (per site).</summary>
    public string? DatasetRelease { get; init; }

    /// <summary>YAML appended to the node's policy as it is, e.g. a <c>secure_aggregation</c> block with the peers' pins.</summary>
    public string? PolicyAppendix { get; init; }
}

/// <summary>
/// A coordinator and hospital node agents as real processes on loopback, talking real mTLS gRPC:
/// what the demo runs, and what the end-to-end tests start.
/// </summary>
public sealed partial class LocalFederation : IAsyncDisposable
{
    private readonly FederationOptions _options;
    private readonly Dictionary<string, NodeHandle> _nodes = new(StringComparer.Ordinal);
    private readonly List<ManagedProcess> _replicas = [];
    private ManagedProcess? _coordinator;

    private LocalFederation(FederationOptions options)
    {
        _options = options;
        Directory.CreateDirectory(CoordinatorDataDirectory);
    }

    public string CoordinatorDataDirectory => Path.Combine(_options.WorkDirectory, "coordinator");

    public string LogDirectory => Path.Combine(_options.WorkDirectory, "logs");

    public Uri CoordinatorUrl { get; private set; } = new("https://127.0.0.1:0");

    public ManagedProcess Coordinator => _coordinator ?? throw new InvalidOperationException("The coordinator is not running.");

    public IReadOnlyDictionary<string, NodeHandle> Nodes => _nodes;

    public static async Task<LocalFederation> StartAsync(FederationOptions options, CancellationToken cancellationToken = default)
    {
        var federation = new LocalFederation(options);
        try
        {
            await federation.StartCoordinatorAsync(cancellationToken).ConfigureAwait(false);
            return federation;
        }
        catch
        {
            await federation.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts (or restarts, on the same data directory) the coordinator and waits until it listens.</summary>
    public async Task StartCoordinatorAsync(CancellationToken cancellationToken = default)
    {
        if (_coordinator is { HasExited: false })
        {
            // Starting another would leave this one running, unreachable by the federation's teardown.
            throw new InvalidOperationException("The coordinator is still running; stop it first.");
        }

        // A restart keeps its port, so node agents configured with the old URL find it again.
        var url = _coordinator is null ? "https://127.0.0.1:0" : CoordinatorUrl.ToString().TrimEnd('/');
        string[] arguments = ["serve", "--data-dir", CoordinatorDataDirectory, "--urls", url, .. _options.CoordinatorArguments];
        if (SpanFile("coordinator") is { } spanFile)
        {
            arguments = [.. arguments, $"--Coordinator:Telemetry:SpanFile={spanFile}"];
        }

        _coordinator = ManagedProcess.Start("coordinator", Executables.Coordinator, arguments, Path.Combine(LogDirectory, "coordinator.log"), _options.CoordinatorEnvironment);
        CoordinatorUrl = await ListeningUrlAsync(_coordinator, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts another coordinator replica on the same data dir, settings and database (which must then be PostgreSQL:
    /// docs/coordinator.md, "Replicas"), on a port of its own; stopped with the federation.
    /// </summary>
    public async Task<(ManagedProcess Process, Uri Url)> StartReplicaAsync(string name, CancellationToken cancellationToken = default)
    {
        string[] arguments = ["serve", "--data-dir", CoordinatorDataDirectory, "--urls", "https://127.0.0.1:0", .. _options.CoordinatorArguments];
        return await StartListeningAsync($"coordinator-{name}", Executables.Coordinator, arguments, _options.CoordinatorEnvironment, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a process stopped with the federation (a replica, the gateway), logging to <c>&lt;name&gt;.log</c>, and
    /// waits until it says where it listens.
    /// </summary>
    private async Task<(ManagedProcess Process, Uri Url)> StartListeningAsync(
        string name, string executable, string[] arguments, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var process = ManagedProcess.Start(name, executable, arguments, Path.Combine(LogDirectory, $"{name}.log"), environment);
        _replicas.Add(process);
        return (process, await ListeningUrlAsync(process, cancellationToken).ConfigureAwait(false));
    }

    private async Task<Uri> ListeningUrlAsync(ManagedProcess process, CancellationToken cancellationToken)
    {
        var match = await process.WaitForLineAsync(ListeningLine(), _options.StartTimeout, cancellationToken).ConfigureAwait(false);
        return new Uri(match.Groups["url"].Value);
    }

    public async Task StopCoordinatorAsync()
    {
        if (_coordinator is not null)
        {
            await _coordinator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Creates an API token with the coordinator's admin command.</summary>
    public async Task<string> CreateApiTokenAsync(string name, string role, CancellationToken cancellationToken = default)
    {
        var output = await AdminAsync(["admin", "api-token", "--data-dir", CoordinatorDataDirectory, "--name", name, "--role", role, "--json"], cancellationToken).ConfigureAwait(false);
        return LastJsonLine(output).GetProperty("token").GetString()!;
    }

    /// <summary>Creates an enrollment token for <paramref name="nodeName"/>; returns it with the CA pin.</summary>
    public async Task<(string Token, string CaSha256)> CreateEnrollmentTokenAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var output = await AdminAsync(["admin", "enrollment-token", "--data-dir", CoordinatorDataDirectory, "--node", nodeName, "--json"], cancellationToken).ConfigureAwait(false);
        var json = LastJsonLine(output);
        return (json.GetProperty("token").GetString()!, json.GetProperty("ca_sha256").GetString()!);
    }

    /// <summary>Writes the hospital's node.yaml, enrolls it with a fresh token and starts its agent.</summary>
    public Task<NodeHandle> AddNodeAsync(string name, IReadOnlyList<NodeDataset> datasets, CancellationToken cancellationToken = default) =>
        AddNodeAsync(name, datasets, new NodeSettings(), cancellationToken);

    /// <summary>Writes the hospital's node.yaml with <paramref name="settings"/>, enrolls it with a fresh token and starts its agent.</summary>
    public async Task<NodeHandle> AddNodeAsync(string name, IReadOnlyList<NodeDataset> datasets, NodeSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_nodes.ContainsKey(name))
        {
            throw new InvalidOperationException($"Node '{name}' is already part of this federation.");
        }

        var directory = Path.Combine(_options.WorkDirectory, "nodes", name);
        Directory.CreateDirectory(directory);
        var configPath = Path.Combine(directory, "node.yaml");
        if (settings.ProxyCredentials is { } credentials)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "proxy-credentials"), credentials + "\n", cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(directory, "proxy-credentials"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        await File.WriteAllTextAsync(configPath, NodeConfigYaml(name, datasets, settings.CoordinatorUrl ?? CoordinatorUrl, settings), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "policy.yaml"), await NodePolicyYamlAsync(datasets, settings.Approval ?? _options.Approval, settings, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

        var (token, pin) = await CreateEnrollmentTokenAsync(name, cancellationToken).ConfigureAwait(false);
        await ManagedProcess.RunAsync(
            $"enroll {name}",
            Executables.NodeAgent,
            ["enroll", "--config", configPath, "--token", token, "--ca-sha256", pin],
            Path.Combine(LogDirectory, $"{name}.enroll.log"),
            _options.StartTimeout,
            cancellationToken).ConfigureAwait(false);

        var node = new NodeHandle(name, configPath, Path.Combine(LogDirectory, $"{name}.log"), SpanFile(name) is { } spanFile ? new Dictionary<string, string> { ["PARTAGES_SPAN_FILE"] = spanFile } : null);
        node.Start();
        _nodes[name] = node;
        return node;
    }

    /// <summary>
    /// The TLS check of every client opened on this federation (gRPC or HTTP): the coordinator's certificate must chain
    /// to its own CA (its data dir's pki/ca.crt), never to the system's trust store.
    /// </summary>
    public RemoteCertificateValidationCallback CoordinatorCertificateValidator()
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(CoordinatorDataDirectory, "pki", "ca.crt"));
        return (_, certificate, _, _) => ChainsTo(certificate, ca);
    }

    /// <summary>
    /// A channel for evaluator calls: TLS trusting only the coordinator's CA, the API token on every call;
    /// <paramref name="initialStreamWindowBytes"/> sets the HTTP/2 receive window of each call (.NET's default is 64 KiB).
    /// </summary>
    public GrpcChannel CreateEvaluatorChannel(string apiToken, Uri? address = null, int? initialStreamWindowBytes = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = CoordinatorCertificateValidator(),
            },
            EnableMultipleHttp2Connections = true,
        };
        if (initialStreamWindowBytes is { } window)
        {
            handler.InitialHttp2StreamWindowSize = window;
        }

        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {apiToken}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(address ?? CoordinatorUrl, new GrpcChannelOptions
        {
            HttpHandler = handler,
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }

    /// <summary>Stops every process the federation started, whatever fails on the way; then reports what failed.</summary>
    public async ValueTask DisposeAsync()
    {
        // Nodes first (they would only reconnect), then replicas and the gateway, the coordinator last.
        Func<Task>[] stops =
        [
            .. _nodes.Values.Select(node => (Func<Task>)(() => node.DisposeAsync().AsTask())),
            .. _replicas.Select(process => (Func<Task>)(() => process.DisposeAsync().AsTask())),
            StopCoordinatorAsync,
        ];
        var errors = new List<Exception>();
        foreach (var stop in stops)
        {
            try
            {
                await stop().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }

        if (errors.Count > 0)
        {
            throw new AggregateException("Stopping the federation's processes failed.", errors);
        }
    }

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="ca"/> alone (custom root trust, no revocation check).</summary>
    public static bool ChainsTo(X509Certificate? certificate, X509Certificate2 ca)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>The span file of one process, or null when span files are off.</summary>
    public string? SpanFile(string process) =>
        _options.SpanFileDirectory is { } directory ? Path.Combine(Path.GetFullPath(directory), $"{process}.spans.jsonl") : null;

    private async Task<string> AdminAsync(string[] arguments, CancellationToken cancellationToken) =>
        await ManagedProcess.RunAsync("coordinator admin", Executables.Coordinator, arguments, Path.Combine(LogDirectory, "admin.log"), _options.StartTimeout, cancellationToken, _options.CoordinatorEnvironment).ConfigureAwait(false);

    private static JsonElement LastJsonLine(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"The admin command printed no JSON line:{Environment.NewLine}{output}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private string NodeConfigYaml(string name, IReadOnlyList<NodeDataset> datasets, Uri coordinatorUrl, NodeSettings settings)
    {
        var stopGraceSeconds = settings.StopGraceSeconds;
        var yaml = new StringBuilder()
            .AppendLine("# Written by the Partages demo federation; see node-agent/node.example.yaml for every field.")
            .AppendLine($"name: {name}")
            .AppendLine("coordinator:")
            .AppendLine(settings.CoordinatorUrls is { Count: > 0 } urls
                ? "  url:\n" + string.Join("\n", urls.Select(u => $"    - {u.ToString().TrimEnd('/')}"))
                : $"  url: {coordinatorUrl.ToString().TrimEnd('/')}");
        // Loopback federation: direct unless asked, so a developer's HTTPS_PROXY never gets in the way.
        yaml.AppendLine(settings.ProxyUrl is { } proxy ? $"  proxy:\n    url: {proxy.ToString().TrimEnd('/')}" : "  proxy: none");
        if (settings.ProxyUrl is not null && settings.ProxyCredentials is not null)
        {
            yaml.AppendLine("    credentials_file: ./proxy-credentials");
        }

        yaml
            .AppendLine("data_directory: ./node-data")
            .AppendLine($"heartbeat_seconds: {_options.NodeHeartbeatSeconds}")
            // One machine: a coordinator that restarts is back within seconds, so nodes retry (and pause) briefly.
            .AppendLine("reconnect: {initial_delay_ms: 200, max_delay_seconds: 2, breaker_failures: 5, breaker_seconds: 2}")
            .AppendLine("policy: ./policy.yaml")
            .AppendLine(settings.CertificateRenewAt is { } renewAt
                ? $"certificate: {{renew_at: {renewAt.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"
                : "# certificate: the agent's default renewal settings")
            .AppendLine(stopGraceSeconds is { } grace ? $"stop_grace_seconds: {grace}" : "# stop_grace_seconds: the agent's default")
            .AppendLine("datasets:");
        foreach (var dataset in datasets)
        {
            yaml.AppendLine($"  - name: {dataset.Name}")
                .AppendLine($"    path: '{Path.GetFullPath(dataset.Path).Replace("'", "''", StringComparison.Ordinal)}'")
                .AppendLine($"    format: {dataset.Format}");
        }

        return yaml.ToString();
    }

    /// <summary>
    /// The node policy a demo hospital runs with: its datasets exposed at their current fingerprints (SHA-256 of the
    /// file, as the agent computes it for file formats), every task, the demo bundles pinned, the approval mode given (automatic by default).
    /// </summary>
    private async Task<string> NodePolicyYamlAsync(IReadOnlyList<NodeDataset> datasets, string approval, NodeSettings settings, CancellationToken cancellationToken)
    {
        var yaml = new StringBuilder()
            .AppendLine("# Written by the Partages demo federation; see node-agent/policy.example.yaml for every field.")
            .AppendLine("version: 1")
            .AppendLine("datasets:");
        foreach (var dataset in datasets)
        {
            if (Directory.Exists(dataset.Path))
            {
                throw new InvalidOperationException($"The demo federation fingerprints file datasets only; '{dataset.Name}' is a folder.");
            }

            yaml.AppendLine($"  - name: {dataset.Name}")
                .AppendLine($"    snapshot_sha256: {await ContentHash.OfFileAsync(dataset.Path, cancellationToken).ConfigureAwait(false)}")
                .AppendLine("    legal_basis: \"Fictional data generated by Partages (demo)\"");
            if (_options.DifferentialPrivacy is { } privacy)
            {
                yaml.AppendLine($"    differential_privacy: {privacy}");
            }

            if (settings.DatasetRelease is { } release)
            {
                yaml.AppendLine($"    release: {release}");
            }
        }

        yaml.AppendLine("models:")
            .AppendLine($"  pinned_bundles: [{string.Join(", ", _options.PinnedBundleSha256)}]")
            .AppendLine($"tasks: [{string.Join(", ", TaskTypes.All)}]")
            .AppendLine($"approval: {approval}")
            .AppendLine("release:")
            .AppendLine("  min_dataset_documents: 20");
        if (settings.PolicyAppendix is { } appendix)
        {
            yaml.AppendLine(appendix);
        }

        return yaml.ToString();
    }

    [GeneratedRegex(@"Now listening on: (?<url>https://[^\s]+)")]
    private static partial Regex ListeningLine();
}

/// <summary>One hospital's node agent process; it can be killed and started again on the same identity.</summary>
public sealed class NodeHandle(string name, string configPath, string logPath, IReadOnlyDictionary<string, string>? environment = null) : IAsyncDisposable
{
    private ManagedProcess? _process;

    public string Name { get; } = name;

    public string ConfigPath { get; } = configPath;

    /// <summary>The node's data_directory (identity, artifacts, audit), as the federation's node.yaml sets it.</summary>
    public string DataDirectory => Path.Combine(Path.GetDirectoryName(ConfigPath)!, "node-data");

    public ManagedProcess Process => _process ?? throw new InvalidOperationException($"Node '{Name}' was never started.");

    public void Start()
    {
        if (_process is { HasExited: false })
        {
            // A second agent would leave the first running, out of reach of the federation's teardown.
            throw new InvalidOperationException($"Node '{Name}' is still running; stop it first.");
        }

        _process = ManagedProcess.Start(Name, Executables.NodeAgent, ["run", "--config", ConfigPath], logPath, environment);
    }

    public Task KillAsync() => Process.KillAsync();

    public ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>Where the coordinator and node agent builds are: beside this assembly under artifacts/bin.</summary>
public static class Executables
{
    public static string Coordinator => Find("Partages.Coordinator");

    public static string NodeAgent => Find("Partages.NodeAgent");

    public static string Demo => Find("Partages.Demo");

    public static string Gateway => Find("Partages.Gateway");

    private static string Find(string project)
    {
        // artifacts/bin/<Project>/<configuration>/ — reuse this assembly's configuration folder name.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = here.Name;
        var binRoot = here.Parent!.Parent!.FullName;
        return Path.Combine(binRoot, project, configuration, project + ".dll");
    }
}
