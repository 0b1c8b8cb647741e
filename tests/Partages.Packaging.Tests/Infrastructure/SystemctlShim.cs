namespace Partages.Packaging.Tests.Infrastructure;

/// <summary>
/// The test's stand-in for systemd (Shims/systemctl, whose header says what it does and does not do): test machines and
/// CI containers run no systemd. Commands run with <see cref="Environment"/> find it first on the PATH; it keeps the
/// service's pid, exit status and output ("journal") in <see cref="StateDirectory"/>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SystemctlShim(string stateDirectory)
{
    private static readonly string ShimDirectory = Path.Combine(AppContext.BaseDirectory, "Shims");

    public string StateDirectory { get; } = stateDirectory;

    /// <summary>Makes the shim executable (a copy may lose its mode) and its state directory exist.</summary>
    public SystemctlShim Prepare()
    {
        File.SetUnixFileMode(Path.Combine(ShimDirectory, "systemctl"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(StateDirectory);
        return this;
    }

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["PATH"] = $"{ShimDirectory}:{System.Environment.GetEnvironmentVariable("PATH")}",
        ["SYSTEMCTL_SHIM_STATE"] = stateDirectory,
    };

    public string Journal(string unit) =>
        File.Exists(JournalPath(unit)) ? ReadShared(JournalPath(unit)) : "";

    /// <summary>Stops the service if it still runs, then makes sure its main process is gone (SIGKILL if need be).</summary>
    public async Task StopAsync(string unit)
    {
        await Shell.RunAsync($"systemctl stop {unit}", "/", Environment, TimeSpan.FromMinutes(2), CancellationToken.None).ConfigureAwait(false);
        var pidFile = Path.Combine(StateDirectory, unit + ".service.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Already gone: the stop did its work.
            }
        }
    }

    private string JournalPath(string unit) => Path.Combine(StateDirectory, unit + ".service.log");

    private static string ReadShared(string path)
    {
        // The service may still be writing it.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
