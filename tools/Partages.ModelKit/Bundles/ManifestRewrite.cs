using System.IO.Compression;
using System.Text.Json.Nodes;

namespace Partages.ModelKit.Bundles;

/// <summary>
/// A copy of a bundle with its manifest edited and every other entry as it was: how the demo's variants (multi-label
/// task, another version) are made from the one trained classifier without training again.
/// </summary>
public static class ManifestRewrite
{
    /// <summary>Copies the bundle at <paramref name="source"/> to <paramref name="destination"/>, its manifest passed through <paramref name="edit"/>.</summary>
    public static async Task WriteAsync(string source, string destination, Action<JsonObject> edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        using var input = ZipFile.OpenRead(source);
        await using var output = File.Create(destination);
        using var zip = new ZipArchive(output, ZipArchiveMode.Create);
        foreach (var entry in input.Entries)
        {
            await using var read = entry.Open();
            await using var write = zip.CreateEntry(entry.FullName).Open();
            if (entry.FullName == "manifest.json")
            {
                var manifest = (await JsonNode.ParseAsync(read, cancellationToken: cancellationToken).ConfigureAwait(false))!.AsObject();
                edit(manifest);
                await write.WriteAsync(Encoding.UTF8.GetBytes(manifest.ToJsonString()), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await read.CopyToAsync(write, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
