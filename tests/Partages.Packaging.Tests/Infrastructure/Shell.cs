using System.Diagnostics;

namespace Partages.Packaging.Tests.Infrastructure;

internal sealed record ShellResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => $"--- stdout ---\n{StandardOutput}--- stderr ---\n{StandardError}";
}

/// <summary>Runs a bash script as a hospital's administrator would type it, and waits for it, within a time limit.</summary>
internal static class Shell
{
    public static async Task<ShellResult> RunAsync(
        string script,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        // -e: a guide's block is a sequence an administrator types; the first failing command fails it.
        foreach (var argument in new[] { "-euo", "pipefail", "-c", script })
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("bash did not start.");
        process.StandardInput.Close();
        var standardOutput = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var standardError = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Whatever the script started in the foreground goes with it; the test's teardown stops the service.
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Still running after {timeout}: {script}");
        }

        return new ShellResult(process.ExitCode, await standardOutput.ConfigureAwait(false), await standardError.ConfigureAwait(false));
    }
}
