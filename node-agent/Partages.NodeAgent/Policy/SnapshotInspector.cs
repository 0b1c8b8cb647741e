using System.Collections.Concurrent;

namespace Partages.NodeAgent.Policy;

/// <summary>
/// A dataset's current fingerprint and document count (<see cref="IEvaluationEngine.InspectAsync"/>), cached per file
/// and its modification time and size, so an unchanged snapshot is read once and a changed one is read again.
/// </summary>
public sealed class SnapshotInspector(IEvaluationEngine engine)
{
    private readonly ConcurrentDictionary<string, (string Stamp, DatasetInfo Info)> _cache = new(StringComparer.Ordinal);

    public async Task<DatasetInfo> InspectAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var stamp = Stamp(dataset.Path);
        if (_cache.TryGetValue(dataset.Path, out var cached) && cached.Stamp == stamp)
        {
            return cached.Info;
        }

        var info = await engine.InspectAsync(dataset, cancellationToken).ConfigureAwait(false);
        // The stamp taken before reading: a file changed during the read gets a new stamp, so it is read again next time.
        _cache[dataset.Path] = (stamp, info);
        return info;
    }

    /// <summary>Size and modification time of the file, or of every file in a folder dataset (a folder's own time misses edits).</summary>
    internal static string Stamp(string path)
    {
        if (Directory.Exists(path))
        {
            long count = 0, bytes = 0, latest = 0;
            foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                count++;
                bytes += file.Length;
                latest = Math.Max(latest, file.LastWriteTimeUtc.Ticks);
            }

            return $"dir:{count}:{bytes}:{latest}";
        }

        var info = new FileInfo(path);
        return info.Exists ? $"file:{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "missing";
    }
}
