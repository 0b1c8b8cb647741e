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
    public static async Task<ShellResult> PurgeAsync() =>
        await Shell.RunAsync($"if dpkg-query -W {Package} >/dev/null 2>&1; then dpkg --purge {Package}; fi", "/", null, TimeSpan.FromMinutes(5), CancellationToken.None).ConfigureAwait(false);
}
