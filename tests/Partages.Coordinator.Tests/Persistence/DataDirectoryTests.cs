namespace Partages.Coordinator.Tests.Persistence;

/// <summary>The data dir holds token hashes, results and the CA key: owner-only on Unix, tightened if it was not.</summary>
[Platform(Exclude = "Win")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryTests : DataDirFixture
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Loose = File0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Test]
    public async Task Start_NewDataDir_Folder0700AndDatabaseFiles0600()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await coordinator.ApiTokenAsync("writer", "viewer");

        File.GetUnixFileMode(coordinator.DataDir).Should().Be(Folder);
        AssertDatabaseFilesOwnerOnly(coordinator.DataDir, walExpected: true);
    }

    [Test]
    public async Task Start_ExistingDataDirWithLooseModes_Tightened()
    {
        var dataDir = DataDir;
        Directory.CreateDirectory(dataDir, Folder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        // What an earlier coordinator left with the default umask: an empty database and an empty write-ahead log.
        foreach (var file in new[] { "coordinator.db", "coordinator.db-wal" })
        {
            await using var created = new FileStream(Path.Combine(dataDir, file), new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Loose });
        }

        File.GetUnixFileMode(Path.Combine(dataDir, "coordinator.db")).Should().Be(Loose, "the umask must not have tightened it already");

        var coordinator = await TestCoordinator.StartAsync(dataDir);
        try
        {
            File.GetUnixFileMode(dataDir).Should().Be(Folder);
            AssertDatabaseFilesOwnerOnly(dataDir, walExpected: true);
        }
        finally
        {
            await coordinator.StopAsync(deleteData: false);
        }
    }

    [Test]
    public async Task AdminCommand_NewDataDir_Folder0700AndDatabase0600()
    {
        (await TestCoordinator.RunCliAsync("admin", "api-token", "--data-dir", DataDir, "--name", "first", "--role", "admin")).ExitCode.Should().Be(0);

        File.GetUnixFileMode(DataDir).Should().Be(Folder);
        AssertDatabaseFilesOwnerOnly(DataDir, walExpected: false);
    }

    private static void AssertDatabaseFilesOwnerOnly(string dataDir, bool walExpected)
    {
        var files = new[] { "coordinator.db", "coordinator.db-wal", "coordinator.db-shm" }.Select(f => Path.Combine(dataDir, f)).Where(File.Exists).ToList();
        files.Should().Contain(Path.Combine(dataDir, "coordinator.db"));
        if (walExpected)
        {
            files.Should().Contain(Path.Combine(dataDir, "coordinator.db-wal"));
        }

        files.Should().OnlyContain(f => File.GetUnixFileMode(f) == File0600, "every database file is 0600: {0}", string.Join(", ", files.Select(f => $"{Path.GetFileName(f)} {File.GetUnixFileMode(f)}")));
    }
}
