using Partages.Testing.Provisioning;

namespace Partages.Dashboard.Tests.Infrastructure;

/// <summary>
/// The browser tests' Chromium: Debian's package (Playwright's bundled driver drives it; no browser download, the
/// network is closed), installed by <see cref="DebianPackageProvisioner"/> when missing, so the README's test command
/// passes on a machine with only the .NET SDK.
/// </summary>
public static class ChromiumProvisioner
{
    public const string InstallCommand = "apt-get update && apt-get install -y chromium";

    public static DebianPackageOptions Options(string logPath) => new()
    {
        Package = "chromium",
        ExecutablePath = "/usr/bin/chromium",
        NeededBy = "The dashboard's browser tests",
        LogPath = logPath,
    };

    public static Task<PackageProvisioning> EnsureAsync(DebianPackageOptions options, CancellationToken cancellationToken) =>
        DebianPackageProvisioner.EnsureAsync(options, cancellationToken);
}
