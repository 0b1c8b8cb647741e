using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Partages.Testing.Provisioning;

namespace Partages.Dashboard.Tests.Infrastructure;

/// <summary>
/// The provisioner against a stand-in for apt-get: a real shell script run as a real process, which records its calls
/// and "installs" by creating the executable. The real apt-get path is proven by running the dashboard tests on a
/// machine without Chromium (the set-up fixture installs it).
/// </summary>
[NonParallelizable]
[SupportedOSPlatform("linux")]
public sealed class ChromiumProvisionerTests
{
    private string _directory = "";

    private string Chromium => Path.Combine(_directory, "chromium");

    private string Calls => Path.Combine(_directory, "calls.txt");

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("partages-chromium-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task EnsureAsync_ChromiumPresent_AvailableWithoutRunningAptGet()
    {
        await File.WriteAllTextAsync(Chromium, "");

        var result = await ChromiumProvisioner.EnsureAsync(Options(FakeAptGet("exit 1")), CancellationToken.None);

        result.IsAvailable.Should().BeTrue();
        File.Exists(Calls).Should().BeFalse();
    }

    [Test]
    public async Task EnsureAsync_MissingAndRoot_RunsUpdateThenInstallAndIsAvailable()
    {
        var result = await ChromiumProvisioner.EnsureAsync(Options(FakeAptGet(InstallsChromium())), CancellationToken.None);

        result.Problem.Should().BeNull();
        (await File.ReadAllLinesAsync(Calls)).Should().Equal("update", "-o DPkg::Lock::Timeout=300 install -y chromium");
        (await File.ReadAllTextAsync(Path.Combine(_directory, "install.log"))).Should().Contain("fake apt-get: install");
    }

    [Test]
    public async Task EnsureAsync_TwoRunsAtOnce_InstallOnceUnderTheLock()
    {
        var options = Options(FakeAptGet(InstallsChromium()));

        var results = await Task.WhenAll(
            Task.Run(() => ChromiumProvisioner.EnsureAsync(options, CancellationToken.None)),
            Task.Run(() => ChromiumProvisioner.EnsureAsync(options, CancellationToken.None)));

        results.Should().OnlyContain(r => r.IsAvailable);
        (await File.ReadAllLinesAsync(Calls)).Count(l => l.Contains("install", StringComparison.Ordinal)).Should().Be(1);
    }

    [Test]
    public async Task EnsureAsync_NotRoot_OneMessageNamingChromiumAndTheInstallCommand()
    {
        var result = await ChromiumProvisioner.EnsureAsync(Options(FakeAptGet(InstallsChromium())) with { IsRoot = false }, CancellationToken.None);

        result.IsAvailable.Should().BeFalse();
        result.Problem.Should().Contain(Chromium).And.Contain("not run as root").And.Contain("sudo apt-get update && sudo apt-get install -y chromium");
        File.Exists(Calls).Should().BeFalse();
    }

    [Test]
    public async Task EnsureAsync_NoAptGet_OneMessageNamingChromiumAndTheInstallCommand()
    {
        var result = await ChromiumProvisioner.EnsureAsync(Options(Path.Combine(_directory, "no-apt-get")), CancellationToken.None);

        result.Problem.Should().Contain(Chromium).And.Contain("no-apt-get").And.Contain(ChromiumProvisioner.InstallCommand);
    }

    [Test]
    public async Task EnsureAsync_AptGetFails_ReportsTheStepItsExitCodeAndItsLastLines()
    {
        var aptGet = FakeAptGet("""if [ "$1" = update ]; then exit 0; fi; echo "E: Unable to locate package chromium" >&2; exit 100""");

        var result = await ChromiumProvisioner.EnsureAsync(Options(aptGet), CancellationToken.None);

        result.Problem.Should().Contain("install -y chromium' exited with code 100").And.Contain("E: Unable to locate package chromium")
            .And.Contain(ChromiumProvisioner.InstallCommand);
    }

    [Test]
    public async Task EnsureAsync_AptGetHangs_StopsItWhenTheTimeRunsOutAndSaysSo()
    {
        // The stand-in writes its pid, then blocks on a pipe that never gets a writer.
        var aptGet = FakeAptGet($"echo $$ > '{_directory}/pid'; exec cat '{_directory}/fifo'");
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(_directory, "fifo")]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var result = await ChromiumProvisioner.EnsureAsync(Options(aptGet) with { Timeout = TimeSpan.FromSeconds(2) }, CancellationToken.None);

        result.Problem.Should().Contain("did not finish within 2 s").And.Contain("dpkg --configure -a");
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(_directory, "pid"))).Trim(), CultureInfo.InvariantCulture);
        Directory.Exists($"/proc/{pid}").Should().BeFalse("the hung apt-get must have been killed and reaped");
    }

    private DebianPackageOptions Options(string aptGet) => ChromiumProvisioner.Options(Path.Combine(_directory, "install.log")) with
    {
        ExecutablePath = Chromium,
        AptGetPath = aptGet,
        IsRoot = true,
        LockPath = Path.Combine(_directory, "install.lock"),
    };

    private string InstallsChromium() =>
        $"""if [ "$3" = install ]; then echo "fake apt-get: install"; touch '{Chromium}'; fi""";

    /// <summary>A shell script standing in for apt-get: it appends its arguments to calls.txt, then runs <paramref name="body"/>.</summary>
    private string FakeAptGet(string body)
    {
        var path = Path.Combine(_directory, "apt-get");
        File.WriteAllText(path, $"#!/bin/sh\necho \"$*\" >> '{Calls}'\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
