using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Partages.Testing.Provisioning;

/// <summary>
/// A real PostgreSQL server for tests, from Debian's package (installed by <see cref="DebianPackageProvisioner"/> when
/// missing): <c>initdb</c> in a temporary folder, <c>pg_ctl start</c> on a free loopback port, trust authentication for
/// the <c>postgres</c> role, a database per caller (<see cref="CreateDatabaseAsync"/>). The server binaries refuse to
/// run as root, so as root they run as the <c>postgres</c> user through <c>runuser</c>, which owns the folder.
/// <see cref="DisposeAsync"/> stops the server (and kills it if it does not stop) and deletes the folder, whatever failed.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>Debian 12's PostgreSQL; its server binaries are not on PATH.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private const string RunUser = "/usr/sbin/runuser";
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private bool _started;

    private PostgresServer(string root, int port)
    {
        _root = root;
        Port = port;
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_root, "data");

    private string LogFile => Path.Combine(_root, "server.log");

    /// <summary>Connection string for <paramref name="database"/> as the superuser (trust authentication on loopback).</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database};Pooling=true;Timeout=30;Command Timeout=60";

    /// <summary>Provisions the package if needed and starts a server; throws <see cref="InvalidOperationException"/> with one clear message if it cannot.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var provisioning = await DebianPackageProvisioner.EnsureAsync(new DebianPackageOptions
        {
            Package = "postgresql",
            ExecutablePath = Path.Combine(BinDirectory, "initdb"),
            NeededBy = "The PostgreSQL tests",
            LogPath = Path.Combine(Path.GetTempPath(), "partages-apt-postgresql.log"),
        }, cancellationToken).ConfigureAwait(false);
        if (!provisioning.IsAvailable)
        {
            throw new InvalidOperationException(provisioning.Problem);
        }

        // Under /tmp (world-traversable), not under a private temp folder the postgres user could not enter.
        var root = Directory.CreateTempSubdirectory("partages-pg-").FullName;
        var server = new PostgresServer(root, FreePort());
        try
        {
            await server.InitAndStartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task InitAndStartAsync(CancellationToken cancellationToken)
    {
        if (IsRoot())
        {
            await RunAsync("/usr/bin/chown", ["-R", ServiceUser + ":", _root], asServiceUser: false, cancellationToken).ConfigureAwait(false);
        }

        // C locale: text sorts by byte, as in SQLite, so ordered queries page the same on both providers.
        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"], asServiceUser: true, cancellationToken).ConfigureAwait(false);
        // fsync off: a test server's data is thrown away, and durability costs seconds per test class on a shared disk.
        var serverOptions = $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        _started = true;
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-o", serverOptions, "-l", LogFile, "-w", "-t", "60", "start"], asServiceUser: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates an empty database named <paramref name="name"/> (letters, digits, underscores) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (name.Length is 0 or > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{name}' is not a plain database name (1..63 letters, digits, underscores).", nameof(name));
        }

        await RunAsync(Path.Combine(BinDirectory, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name], asServiceUser: false, cancellationToken).ConfigureAwait(false);
        return ConnectionString(name);
    }

    /// <summary>Drops <paramref name="name"/>, closing its connections first (a pooled connection would block the drop).</summary>
    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(Path.Combine(BinDirectory, "dropdb"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "--force", "--if-exists", name], asServiceUser: false, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            try
            {
                await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], asServiceUser: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                KillPostmaster();
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file the server still held: the system cleans temp.
        }
    }

    /// <summary>If pg_ctl could not stop it, the process whose id heads postmaster.pid is killed: no server outlives the tests.</summary>
    private void KillPostmaster()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    private static async Task RunAsync(string program, string[] arguments, bool asServiceUser, CancellationToken cancellationToken)
    {
        var runAs = asServiceUser && IsRoot();
        var start = new ProcessStartInfo(runAs ? RunUser : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // The postgres user cannot enter root's working folder; initdb and pg_ctl complain when they cannot.
            WorkingDirectory = Path.GetTempPath(),
        };
        if (runAs)
        {
            foreach (var prefix in new[] { "-u", ServiceUser, "--", program })
            {
                start.ArgumentList.Add(prefix);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new InvalidOperationException($"{Path.GetFileName(program)} did not finish within {CommandTimeout.TotalSeconds:0} s: {Text(output)}");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with code {process.ExitCode}: {Text(output)}");
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString().Trim();
        }
    }

    /// <summary>A port free now (the listener is closed before the server binds it; a clash fails pg_ctl start with a clear log).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() => !OperatingSystem.IsWindows() && GetEffectiveUserId() == 0;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}
