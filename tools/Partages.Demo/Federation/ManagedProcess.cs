using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Partages.Demo.Federation;

/// <summary>The signals an operator stops a service with: what the tests send to check that it stops cleanly.</summary>
public enum StopSignal
{
    /// <summary>SIGINT: Ctrl+C in a terminal.</summary>
    Interrupt = 2,

    /// <summary>SIGTERM: <c>systemctl stop</c>, <c>kubectl delete pod</c>, <c>docker stop</c>.</summary>
    Terminate = 15,
}

/// <summary>
/// A child process (a coordinator or a node agent) whose output goes to a log file and can be awaited
/// line by line, so callers synchronise on what the process says instead of sleeping.
/// </summary>
public sealed partial class ManagedProcess : IAsyncDisposable
{
    private const int RememberedLines = 200;
    private const int RememberedErrorLines = 2000;

    // Every child still running. A test host that exits without running its teardowns (an abort, an unhandled
    // exception) must not leave coordinators and node agents behind: ProcessExit kills what is left.
    private static readonly ConcurrentDictionary<ManagedProcess, byte> Running = new();

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private readonly Queue<string> _recent = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Waiter)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _errors = new();

    static ManagedProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in Running.Keys)
            {
                child.KillNow();
            }
        };
    }

    private ManagedProcess(string name, Process process, string logPath)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Id => _process.Id;

    public bool HasExited => _exited.Task.IsCompleted;

    public Task<int> Exited => _exited.Task;

    /// <summary>Starts <c>dotnet DLL ARGS</c> with its output captured.</summary>
    public static ManagedProcess Start(string name, string dllPath, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(dllPath))
        {
            throw new FileNotFoundException($"{name}: executable not found at {dllPath}. Build the solution first (dotnet build Partages.sln).", dllPath);
        }

        var startInfo = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dllPath)!,
        };
        startInfo.ArgumentList.Add(dllPath);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Plain, uncoloured console logs: they are parsed and written to files.
        startInfo.Environment["DOTNET_LOGGING__CONSOLE__FORMATTERNAME"] = "simple";
        startInfo.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        startInfo.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var managed = new ManagedProcess(name, process, logPath);
        process.OutputDataReceived += (_, e) => managed.OnLine(e.Data, error: false);
        process.ErrorDataReceived += (_, e) => managed.OnLine(e.Data, error: true);
        process.Exited += (_, _) => managed.OnExited();
        try
        {
            process.Start();
        }
        catch
        {
            managed._log.Dispose();
            process.Dispose();
            throw;
        }

        Running.TryAdd(managed, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    /// <summary>Runs a short command (an admin command, an enrollment) to completion and returns its output.</summary>
    public static async Task<string> RunAsync(string name, string dllPath, IEnumerable<string> arguments, string logPath, TimeSpan timeout, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var process = Start(name, dllPath, arguments, logPath, environment);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        int exitCode;
        try
        {
            exitCode = await process.Exited.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{name} did not finish within {timeout.TotalSeconds:0} s. Log: {logPath}");
        }

        var output = process.Output();
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{name} exited with code {exitCode}:{Environment.NewLine}{output}");
        }

        return output;
    }

    /// <summary>Completes with the first line (already seen or still to come) matching <paramref name="pattern"/>.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var waiter = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = _recent.Select(l => pattern.Match(l)).FirstOrDefault(m => m.Success);
            if (seen is not null)
            {
                return seen;
            }

            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited before printing a line matching '{pattern}'.{Environment.NewLine}{Output()}");
            }

            _waiters.Add((pattern, waiter));
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} printed no line matching '{pattern}' within {timeout.TotalSeconds:0} s. Log: {LogPath}");
        }
    }

    /// <summary>The last lines the process printed, for error messages.</summary>
    public string Output()
    {
        lock (_gate)
        {
            return string.Join(Environment.NewLine, _recent);
        }
    }

    /// <summary>What the process wrote to its standard error (the last lines), e.g. to check that it printed no stack trace.</summary>
    public string StandardError()
    {
        lock (_gate)
        {
            return string.Join(Environment.NewLine, _errors);
        }
    }

    /// <summary>Sends <paramref name="signal"/> as an operator's stop would, without waiting.</summary>
    public void Signal(StopSignal signal)
    {
        if (HasExited)
        {
            throw new InvalidOperationException($"{Name} has already exited (code {_exited.Task.Result}).");
        }

        // Process.Kill sends SIGKILL only; a graceful stop is SIGTERM or SIGINT, which .NET has no API to send.
        if (SendSignal(_process.Id, (int)signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({_process.Id}, {signal}) failed");
        }
    }

    /// <summary>Sends <paramref name="signal"/> and waits for the process to exit; returns its exit code.</summary>
    public async Task<int> StopAsync(StopSignal signal, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Signal(signal);
        try
        {
            return await _exited.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0} s of {signal}. Log: {LogPath}");
        }
    }

    /// <summary>Kills the process tree at once, as a crash or a power cut would.</summary>
    public async Task KillAsync()
    {
        KillNow();
        await _exited.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
        lock (_gate)
        {
            _log.Dispose();
        }
    }

    private void KillNow()
    {
        if (HasExited)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill: the outcome wanted.
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private void OnLine(string? line, bool error)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<Match>> matched = [];
        lock (_gate)
        {
            if (error)
            {
                _errors.Enqueue(line);
                if (_errors.Count > RememberedErrorLines)
                {
                    _errors.Dequeue();
                }
            }

            _log.WriteLine(line);
            _recent.Enqueue(line);
            if (_recent.Count > RememberedLines)
            {
                _recent.Dequeue();
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var match = _waiters[i].Pattern.Match(line);
                if (match.Success)
                {
                    _waiters[i].Waiter.TrySetResult(match);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void OnExited()
    {
        // Output events can trail the exit event; WaitForExit() with no timeout drains them first.
        _process.WaitForExit();
        lock (_gate)
        {
            foreach (var (pattern, waiter) in _waiters)
            {
                waiter.TrySetException(new InvalidOperationException($"{Name} exited (code {_process.ExitCode}) before printing a line matching '{pattern}'.{Environment.NewLine}{string.Join(Environment.NewLine, _recent)}"));
            }

            _waiters.Clear();
        }

        Running.TryRemove(this, out _);
        _exited.TrySetResult(_process.ExitCode);
    }
}

/// <summary>The <c>dotnet</c> host that runs the federation's processes.</summary>
internal static class DotnetHost
{
    // The SDK sets DOTNET_HOST_PATH for `dotnet run` and `dotnet test`; outside them, the PATH's dotnet.
    public static string Path { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : "dotnet";
}
