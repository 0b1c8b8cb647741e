using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Partages.Testing.Provisioning;

/// <summary>Whether the tests have the program they need, and if not, the one thing to tell whoever runs them.</summary>
public sealed record PackageProvisioning(string ExecutablePath, string? Problem)
{
    public bool IsAvailable => Problem is null;
}

public sealed record DebianPackageOptions
{
    /// <summary>The Debian package to install, e.g. <c>chromium</c>, <c>postgresql</c>, <c>tinyproxy</c>.</summary>
    public required string Package { get; init; }

    /// <summary>The file whose presence proves the package is installed (the program the tests run).</summary>
    public required string ExecutablePath { get; init; }

    /// <summary>Who needs it, for the failure message: "The dashboard's browser tests".</summary>
    public required string NeededBy { get; init; }

    public string AptGetPath { get; init; } = "/usr/bin/apt-get";

    /// <summary>Null: ask the system (effective user id 0).</summary>
    public bool? IsRoot { get; init; }

    /// <summary>Held while installing, so concurrent test runs on one machine install once and never run apt-get together.
    /// One lock for every package: dpkg itself takes one lock for the whole machine.</summary>
    public string LockPath { get; init; } = Path.Combine(Path.GetTempPath(), "partages-apt-install.lock");

    /// <summary>Where apt-get's output goes (its last lines are also in the failure message).</summary>
    public required string LogPath { get; init; }

    /// <summary>For the lock, <c>apt-get update</c> and <c>apt-get install</c> together; installing Chromium alone took about 20 s here.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public string InstallCommand => $"apt-get update && apt-get install -y {Package}";
}

/// <summary>
/// Makes sure the tests have a program from a Debian package (Chromium, PostgreSQL, tinyproxy): the README's test
/// command must pass on a machine with only the .NET SDK. When the program is missing and the tests run as root with
/// apt-get (every developer machine and CI here), it installs the package, once, under a lock, with a bounded time and
/// its output kept. When it cannot, it says so in one message that names what is missing and the command that installs it.
/// </summary>
public static class DebianPackageProvisioner
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly SemaphoreSlim InProcess = new(1, 1);

    public static async Task<PackageProvisioning> EnsureAsync(DebianPackageOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.ExecutablePath;
        if (File.Exists(path))
        {
            return new PackageProvisioning(path, null);
        }

        if (!File.Exists(options.AptGetPath))
        {
            return Missing(options, $"this machine has no {options.AptGetPath} to install it with. Install {options.Package} so that {path} exists (on Debian or Ubuntu, as root: {options.InstallCommand})");
        }

        if (!(options.IsRoot ?? IsRoot()))
        {
            return Missing(options, $"the tests do not run as root, so they cannot install it. Install it once: sudo {options.InstallCommand.Replace("&& ", "&& sudo ", StringComparison.Ordinal)}");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        try
        {
            await InProcess.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await using var fileLock = await AcquireFileLockAsync(options.LockPath, deadline.Token).ConfigureAwait(false);
                // Another run may have installed it while this one waited for the lock.
                return File.Exists(path) ? new PackageProvisioning(path, null) : await InstallAsync(options, deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                InProcess.Release();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Missing(options, $"installing it ({options.InstallCommand}) did not finish within {options.Timeout.TotalSeconds:0} s and was stopped; output in {options.LogPath}. If dpkg reports an interrupted install, run 'dpkg --configure -a' as root, then {options.InstallCommand}");
        }
    }

    private static async Task<PackageProvisioning> InstallAsync(DebianPackageOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.LogPath))!);
        await using var log = new StreamWriter(options.LogPath, append: true) { AutoFlush = true };
        // DPkg::Lock::Timeout: wait for another apt or dpkg on the machine instead of failing at once.
        string[][] steps = [["update"], ["-o", "DPkg::Lock::Timeout=300", "install", "-y", options.Package]];
        foreach (var arguments in steps)
        {
            var exitCode = await RunAsync(options.AptGetPath, arguments, log, cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                await log.FlushAsync(cancellationToken).ConfigureAwait(false);
                return Missing(options, $"'apt-get {string.Join(' ', arguments)}' exited with code {exitCode}. Its last lines:{Environment.NewLine}{Tail(options.LogPath)}{Environment.NewLine}Full output: {options.LogPath}. Install it by hand: {options.InstallCommand}");
            }
        }

        return File.Exists(options.ExecutablePath)
            ? new PackageProvisioning(options.ExecutablePath, null)
            : Missing(options, $"apt-get installed the {options.Package} package but {options.ExecutablePath} still does not exist; output in {options.LogPath}");
    }

    /// <summary>Runs one apt-get step with its output appended to the log; kills it (and its children) if the deadline passes.</summary>
    private static async Task<int> RunAsync(string fileName, string[] arguments, StreamWriter log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Closed at once: a prompt gets end-of-file instead of waiting for a keyboard that is not there.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        var gate = new Lock();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    log.WriteLine(line);
                }
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append($"$ {fileName} {string.Join(' ', arguments)}");
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            Append("(stopped: the time allowed for installing ran out)");
            throw;
        }

        // The parameterless wait drains the output events still queued.
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>An exclusive lock on a file, across processes (.NET takes an advisory lock for FileShare.None on Unix); polled, as that lock does not wait.</summary>
    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(LockPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Tail(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(Environment.NewLine, lines.TakeLast(10).Select(l => "  " + l.TrimEnd()));
    }

    private static PackageProvisioning Missing(DebianPackageOptions options, string why) =>
        new(options.ExecutablePath, $"{options.NeededBy} need {options.ExecutablePath} (Debian package {options.Package}), which is missing, and {why}.");

    private static bool IsRoot() => GetEffectiveUserId() == 0;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}
