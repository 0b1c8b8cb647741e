using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Partages.Testing.Provisioning;

namespace Partages.Testing.Network;

/// <summary>How the test's proxy behaves: Basic authentication or none, and which ports CONNECT may reach.</summary>
public sealed record TinyProxyOptions
{
    /// <summary>With <see cref="Password"/>: the proxy answers 407 to a client without these credentials.</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>Empty: CONNECT to any port; otherwise only these (tinyproxy answers 403 for others, as a strict hospital proxy does).</summary>
    public IReadOnlyList<int> ConnectPorts { get; init; } = [];
}

/// <summary>
/// A real HTTP proxy between the node and the coordinator: Debian's tinyproxy (installed by
/// <see cref="DebianPackageProvisioner"/> when missing), started on a free loopback port with a generated
/// configuration, in the foreground so the fixture owns the process, and killed on dispose whatever happened.
/// </summary>
public sealed class TinyProxy : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/tinyproxy";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private TinyProxy(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public Uri Address { get; }

    /// <summary>Every CONNECT the proxy received, as "host:port" (proof that the traffic went through it).</summary>
    public ConcurrentQueue<string> ConnectRequests { get; } = new();

    public string Output => string.Join(Environment.NewLine, _output);

    public static DebianPackageOptions Provisioning(string logPath) => new()
    {
        Package = "tinyproxy",
        ExecutablePath = ExecutablePath,
        NeededBy = "The proxy tests (a real HTTP proxy between the node and the coordinator)",
        LogPath = logPath,
    };

    public static async Task<TinyProxy> StartAsync(string directory, TinyProxyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(directory);
        var provisioning = await DebianPackageProvisioner.EnsureAsync(Provisioning(Path.Combine(directory, "tinyproxy-install.log")), cancellationToken);
        if (!provisioning.IsAvailable)
        {
            throw new InvalidOperationException(provisioning.Problem);
        }

        var port = FreePort();
        var configPath = Path.Combine(directory, "tinyproxy.conf");
        var lines = new List<string>
        {
            $"Port {port}",
            "Listen 127.0.0.1",
            "Timeout 60",
            "MaxClients 50",
            "LogLevel Info",
            "Allow 127.0.0.1",
        };
        if (options.User is not null)
        {
            lines.Add($"BasicAuth {options.User} {options.Password}");
        }

        lines.AddRange(options.ConnectPorts.Select(p => $"ConnectPort {p}"));
        await File.WriteAllLinesAsync(configPath, lines, cancellationToken);

        var start = new ProcessStartInfo(provisioning.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -d: stay in the foreground, so this fixture owns the process and can stop it.
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(configPath);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var proxy = new TinyProxy(process, new Uri($"http://127.0.0.1:{port}"));
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            proxy._output.Enqueue(line);
            if (line.Contains("Accepting connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }

            var connect = line.IndexOf(": CONNECT ", StringComparison.Ordinal);
            if (connect >= 0)
            {
                proxy.ConnectRequests.Enqueue(line[(connect + 10)..].Split(' ')[0]);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"tinyproxy exited before accepting connections:{Environment.NewLine}{proxy.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(StartTimeout, cancellationToken);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
