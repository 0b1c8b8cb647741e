namespace Partages.Packaging.Tests.Infrastructure;

/// <summary>What installing a real package needs; without it a test is skipped, saying why (never failed).</summary>
internal static class Preconditions
{
    public const string Package = "partages-node-agent";

    public static async Task RequireRootWithDpkgAsync()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Assert.Ignore("The docs test installs the Debian package for real (dpkg -i, then purge): it runs as root on Linux only, as CI does.");
        }

        foreach (var tool in new[] { "dpkg", "dpkg-deb", "runuser", "setpriv", "adduser", "sha256sum" })
        {
            if (!new[] { "/usr/bin", "/usr/sbin", "/bin", "/sbin" }.Any(directory => File.Exists(Path.Combine(directory, tool))))
            {
                Assert.Ignore($"'{tool}' is not installed: the docs test needs a Debian-like machine (dpkg, util-linux, adduser).");
            }
        }

        // Never replace a real installation: the test purges what it installed, identity and audit log included.
        var status = await Shell.RunAsync($"dpkg-query -W -f='${{Status}}' {Package} 2>/dev/null || true", "/", null, TimeSpan.FromMinutes(1), CancellationToken.None).ConfigureAwait(false);
        if (status.StandardOutput.Contains("installed", StringComparison.Ordinal) && !status.StandardOutput.Contains("not-installed", StringComparison.Ordinal))
        {
            Assert.Ignore($"{Package} is installed on this machine ({status.StandardOutput.Trim()}); the docs test installs and purges it, so it runs only where it is absent ('dpkg --purge {Package}' if it is a leftover).");
        }
    }

    /// <summary>Purges the package if it is installed; returns dpkg's output.</summary>
    public static Task<ShellResult> PurgeAsync() =>
        WhileDpkgIsLockedAsync(() => Shell.RunAsync($"if dpkg-query -W {Package} >/dev/null 2>&1; then dpkg --purge {Package}; fi", "/", null, TimeSpan.FromMinutes(5), CancellationToken.None), CancellationToken.None);

    /// <summary>
    /// Runs a dpkg command again while another one holds dpkg's lock: the dashboard tests may be installing Chromium
    /// with apt-get at the same time (tests run in parallel projects). Any other failure is returned at once.
    /// </summary>
    public static async Task<ShellResult> WhileDpkgIsLockedAsync(Func<Task<ShellResult>> run, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            var result = await run().ConfigureAwait(false);
            var locked = result.ExitCode != 0 && (result.StandardError.Contains("lock", StringComparison.OrdinalIgnoreCase) || result.StandardOutput.Contains("frontend lock", StringComparison.Ordinal));
            if (!locked || DateTime.UtcNow > deadline)
            {
                return result;
            }

            // Polling: dpkg offers no way to wait for its lock, and apt's own timeout option is not dpkg's.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
    }
}
