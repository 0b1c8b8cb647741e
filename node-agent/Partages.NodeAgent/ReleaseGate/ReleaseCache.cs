using System.Text;
using Partages.Evaluation;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// Against differencing: every released result is kept, keyed by what identifies the request — spec SHA-256, bundle
/// SHA-256 and the dataset's fingerprint — in <c>&lt;data_directory&gt;/release/released/&lt;key&gt;.json</c>. The same
/// request again gets exactly the bytes already released, never a fresh draw of noise to average away, and spends
/// no more ε. Files are written atomically (temporary, flushed, renamed).
/// </summary>
public sealed class ReleaseCache(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>SHA-256 of "spec|bundle|fingerprint": one file name per distinct request.</summary>
    public static string KeyOf(string specSha256, string bundleSha256, string datasetFingerprint) =>
        ContentHash.Of($"partages-release-v1|{specSha256}|{bundleSha256}|{datasetFingerprint}");

    public string PathFor(string key) => Path.Combine(Directory, key + ".json");

    /// <summary>The results JSON released for this request before, or null.</summary>
    public string? Find(string key)
    {
        var path = PathFor(key);
        return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
    }

    public void Store(string key, string resultJson)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathFor(key);
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(resultJson));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
