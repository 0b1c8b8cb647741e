using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Partages.NodeAgent.Engine.Isolation;

namespace Partages.NodeAgent.Isolation;

/// <summary>
/// One running inference worker: its stdin (the request, then held open: closing it tells the worker the agent is
/// gone), its stdout read as <see cref="WorkerMessage"/> lines, its stderr kept up to a cap for the log.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _diagnostics;
    private readonly StringBuilder _strayOutput = new();
    private readonly int _maxDiagnosticsChars;
    private volatile bool _killed;

    private WorkerProcess(Process process, int maxDiagnosticsChars)
    {
        _process = process;
        _maxDiagnosticsChars = maxDiagnosticsChars;
        _diagnostics = Task.Run(() => ReadCappedAsync(process.StandardError, maxDiagnosticsChars));
    }

    public int Id => _process.Id;

    /// <summary>Whether <see cref="Kill"/> ended it (time limit, cancellation), as opposed to its own end or a signal from elsewhere.</summary>
    public bool KilledByAgent => _killed;

    /// <exception cref="InvalidOperationException">The worker could not be started at all (no dotnet host, no /bin/sh).</exception>
    public static WorkerProcess Start(ProcessStartInfo startInfo, int maxDiagnosticsChars)
    {
        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"The inference worker could not be started ({startInfo.FileName}): {ex.Message}", ex);
        }

        return new WorkerProcess(process, maxDiagnosticsChars);
    }

    /// <summary>Writes the request line. stdin stays open until the worker has exited.</summary>
    public async Task SendAsync(WorkerRequest request, CancellationToken cancellationToken)
    {
        var stdin = _process.StandardInput;
        await stdin.WriteAsync((WorkerProtocol.Serialize(request) + "\n").AsMemory(), cancellationToken).ConfigureAwait(false);
        await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The worker's messages until its stdout ends (it exited or was killed). A line that is not a message (a native
    /// library printing on stdout) is kept with the diagnostics, never interpreted.
    /// </summary>
    public async IAsyncEnumerable<WorkerMessage> ReadMessagesAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var message = TryParse(line);
            if (message is null)
            {
                KeepStray(line);
                continue;
            }

            yield return message;
        }
    }

    /// <summary>Kills the worker and anything it started, at once. Safe to call at any time, more than once.</summary>
    public void Kill()
    {
        _killed = true;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited: the outcome wanted.
        }
        catch (Win32Exception)
        {
            // Exiting while being killed.
        }
    }

    /// <summary>Waits for the exit; after <paramref name="grace"/> the worker is killed (it has said all it will).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return _process.ExitCode;
    }

    /// <summary>What the worker wrote on stderr (and stray stdout lines), cut at the cap; complete once it has exited.</summary>
    public async Task<string> GetDiagnosticsAsync()
    {
        var stderr = await _diagnostics.ConfigureAwait(false);
        lock (_strayOutput)
        {
            return _strayOutput.Length == 0 ? stderr : stderr + "[stdout] " + _strayOutput;
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static WorkerMessage? TryParse(string line)
    {
        if (line.Length > WorkerProtocol.MaxLineChars || !line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            return WorkerProtocol.Deserialize<WorkerMessage>(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void KeepStray(string line)
    {
        lock (_strayOutput)
        {
            var room = _maxDiagnosticsChars - _strayOutput.Length;
            if (room > 0)
            {
                _strayOutput.Append(line.AsSpan(0, Math.Min(room, line.Length))).Append('\n');
            }
        }
    }

    private static async Task<string> ReadCappedAsync(StreamReader reader, int cap)
    {
        var kept = new StringBuilder();
        long dropped = 0;
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            // Read to the end whatever the cap: a worker blocked on a full stderr pipe would never finish.
            var room = Math.Max(0, cap - kept.Length);
            kept.Append(buffer, 0, Math.Min(room, read));
            dropped += read - Math.Min(room, read);
        }

        if (dropped > 0)
        {
            kept.Append("\n[").Append(dropped).Append(" more characters not kept]");
        }

        return kept.ToString();
    }
}
