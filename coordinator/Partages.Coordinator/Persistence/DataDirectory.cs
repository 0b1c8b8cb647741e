namespace Partages.Coordinator.Persistence;

/// <summary>
/// Who may read the data dir. It holds the database (API token and enrollment token hashes, evaluation results, the
/// nodes' audit anchors) and the CA's private key: on Unix the folder is 0700 and the database files 0600, and a data
/// dir created earlier with the umask's 0755/0644 is tightened at every start. SQLite creates <c>-wal</c> and
/// <c>-shm</c> with the main file's mode, so the database file is created 0600 before SQLite ever opens it.
/// </summary>
public static class DataDirectory
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The database file and the two SQLite keeps beside it in WAL mode.</summary>
    public static IEnumerable<string> DatabaseFiles(string dataDir) =>
        new[] { "", "-wal", "-shm" }.Select(suffix => Path.Combine(dataDir, CoordinatorDatabase.FileName + suffix));

    /// <summary>
    /// Creates the folder and (SQLite: <paramref name="createDatabaseFile"/>) the database file with owner-only modes,
    /// or tightens them if they exist. With PostgreSQL the folder holds only pki/ and artifacts/.
    /// </summary>
    public static void Secure(string dataDir, bool createDatabaseFile = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        if (OperatingSystem.IsWindows())
        {
            // NTFS ACLs are inherited from the parent folder; Unix modes do not apply.
            Directory.CreateDirectory(dataDir);
            return;
        }

        if (Directory.Exists(dataDir))
        {
            File.SetUnixFileMode(dataDir, FolderMode);
        }
        else
        {
            Directory.CreateDirectory(dataDir, FolderMode);
        }

        foreach (var file in DatabaseFiles(dataDir))
        {
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, FileMode);
            }
        }

        var database = Path.Combine(dataDir, CoordinatorDatabase.FileName);
        if (createDatabaseFile && !File.Exists(database))
        {
            // An empty file is an empty SQLite database; created here so that its mode (and its -wal's) is 0600 from the start.
            using var created = new FileStream(database, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
        }
    }
}
