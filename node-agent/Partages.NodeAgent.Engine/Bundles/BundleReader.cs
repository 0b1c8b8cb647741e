using System.IO.Compression;
using System.Text;

namespace Partages.NodeAgent.Engine.Bundles;

/// <summary>
/// Opens a model bundle (zip) defensively: the bundle comes from the coordinator, so it is treated as untrusted.
/// Only <c>manifest.json</c> and the files the manifest names may be in it; entry names must be plain relative
/// paths; an entry's declared size is checked against a limit before anything is allocated, and an entry that
/// inflates to another size is refused (a zip bomb stops at the limit).
/// Every failure is an <see cref="EvaluationRefusedException"/> whose reason names the problem.
/// </summary>
public static class BundleReader
{
    private const int MaxNamedEntries = 10;

    public static ModelBundle Read(string bundlePath, EvaluationEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(bundlePath);
        ArgumentNullException.ThrowIfNull(options);
        using var stream = OpenBundleFile(bundlePath);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: Encoding.UTF8);
        }
        catch (InvalidDataException ex)
        {
            throw new EvaluationRefusedException($"model bundle is not a valid zip archive: {ex.Message}", ex);
        }

        using (archive)
        {
            try
            {
                return Read(archive, options);
            }
            catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
            {
                // A corrupt entry (bad CRC, truncated deflate stream, unknown compression method) surfaces while reading it.
                throw new EvaluationRefusedException($"model bundle is corrupt: {ex.Message}", ex);
            }
        }
    }

    internal static FileStream OpenBundleFile(string bundlePath)
    {
        try
        {
            return new FileStream(bundlePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EvaluationRefusedException($"model bundle not found: {bundlePath}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new EvaluationRefusedException($"model bundle cannot be read (access denied): {bundlePath}", ex);
        }
    }

    private static ModelBundle Read(ZipArchive archive, EvaluationEngineOptions options)
    {
        var entries = IndexEntries(archive);
        if (!entries.TryGetValue(ModelManifest.FileName, out var manifestEntry))
        {
            throw new EvaluationRefusedException($"model bundle has no {ModelManifest.FileName} at its root");
        }

        var manifest = ReadManifest(manifestEntry, options);
        var allowed = new HashSet<string>(StringComparer.Ordinal) { ModelManifest.FileName };
        foreach (var (field, path) in new[] { ("model", manifest.Model), ("tokenizer.vocab", manifest.Tokenizer.Vocab) })
        {
            if (!IsSafeRelativePath(path))
            {
                throw new EvaluationRefusedException($"manifest {field} '{path}' is not a plain relative path inside the bundle");
            }

            allowed.Add(path);
        }

        var unexpected = entries.Keys.Where(name => !allowed.Contains(name) && !IsParentFolderOfAny(name, allowed)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
        {
            // A hostile bundle may hold thousands of entries: name a few, count the rest.
            var named = string.Join(", ", unexpected.Take(MaxNamedEntries)) + (unexpected.Count > MaxNamedEntries ? $" and {unexpected.Count - MaxNamedEntries} more" : "");
            throw new EvaluationRefusedException(
                $"model bundle holds entries its manifest does not name: {named} (allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal))})");
        }

        var model = ReadRequired(entries, manifest.Model, "model", options.MaxModelBytes);
        var vocabulary = ReadRequired(entries, manifest.Tokenizer.Vocab, $"tokenizer.vocab (the {manifest.Tokenizer.Kind} tokenizer's file)", options.MaxVocabBytes);
        // Loaded now, so a tokenizer file that is not what the manifest's kind reads refuses the bundle before any document is.
        return new ModelBundle(manifest, model, vocabulary, TextEncoder.Create(vocabulary, manifest));
    }

    /// <summary>Entries by name, refusing names that could point outside the bundle and names given twice.</summary>
    internal static Dictionary<string, ZipArchiveEntry> IndexEntries(ZipArchive archive)
    {
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            var name = entry.FullName;
            var isFolder = name.EndsWith('/');
            if (!IsSafeRelativePath(isFolder ? name[..^1] : name))
            {
                throw new EvaluationRefusedException($"model bundle entry '{Printable(name)}' is not a plain relative path");
            }

            if (isFolder && entry.Length != 0)
            {
                throw new EvaluationRefusedException($"model bundle entry '{name}' is a folder with content");
            }

            if (!entries.TryAdd(name, entry))
            {
                throw new EvaluationRefusedException($"model bundle holds entry '{name}' twice");
            }
        }

        return entries;
    }

    internal static ModelManifest ReadManifest(ZipArchiveEntry entry, EvaluationEngineOptions options)
    {
        var bytes = ReadEntry(entry, ModelManifest.FileName, options.MaxManifestBytes);
        string json;
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new EvaluationRefusedException($"{ModelManifest.FileName} is not UTF-8", ex);
        }

        try
        {
            return ModelManifest.FromJson(json);
        }
        catch (InvalidDataException ex)
        {
            throw new EvaluationRefusedException(ex.Message, ex);
        }
    }

    private static byte[] ReadRequired(Dictionary<string, ZipArchiveEntry> entries, string path, string field, long limit)
    {
        if (!entries.TryGetValue(path, out var entry) || path.EndsWith('/'))
        {
            throw new EvaluationRefusedException($"model bundle has no '{path}', which its manifest names as {field}");
        }

        return ReadEntry(entry, path, limit);
    }

    /// <summary>
    /// Reads exactly the size the entry's header declares, after checking it against the limit, and refuses an entry
    /// that inflates to more or less: a lying header can neither make the reader allocate past the limit nor truncate.
    /// </summary>
    internal static byte[] ReadEntry(ZipArchiveEntry entry, string name, long limit)
    {
        if (entry.Length > limit)
        {
            throw new EvaluationRefusedException($"model bundle entry '{name}' is {entry.Length} bytes; the limit is {limit}");
        }

        var content = new byte[entry.Length];
        using var source = entry.Open();
        try
        {
            source.ReadExactly(content);
        }
        catch (EndOfStreamException ex)
        {
            throw new EvaluationRefusedException($"model bundle entry '{name}' is shorter than its header declares", ex);
        }

        if (source.ReadByte() >= 0)
        {
            throw new EvaluationRefusedException($"model bundle entry '{name}' inflates past the {entry.Length} bytes its header declares");
        }

        return content;
    }

    /// <summary>
    /// Forward-slash relative segments only: no root, drive, backslash, empty, '.' or '..' segment, no control
    /// character. Such a name cannot escape a folder it would be extracted to, even though this reader extracts nothing.
    /// </summary>
    internal static bool IsSafeRelativePath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 1024 || path.Contains('\\') || path.Contains(':') || path.Any(char.IsControl))
        {
            return false;
        }

        return path.Split('/').All(segment => segment is not ("" or "." or ".."));
    }

    private static bool IsParentFolderOfAny(string name, IEnumerable<string> files) =>
        name.EndsWith('/') && files.Any(f => f.StartsWith(name, StringComparison.Ordinal));

    /// <summary>Entry names are attacker-chosen: control characters are escaped before a name goes into a reason.</summary>
    private static string Printable(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, 200));
        foreach (var c in name.Take(200))
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return builder.ToString();
    }
}
