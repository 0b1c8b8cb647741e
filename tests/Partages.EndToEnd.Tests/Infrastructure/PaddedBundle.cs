using System.IO.Compression;
using System.Security.Cryptography;

namespace Partages.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The demo bundle made big enough for a download to be cut in its middle (the demo's is about 110 KB, one chunk),
/// and still valid: the padding is the ONNX model's <c>doc_string</c> (ModelProto field 6), appended to the
/// serialized model. Protobuf parsers merge a repeated singular field (the last one wins), so the graph, its weights
/// and every prediction are unchanged; the bundle keeps exactly the entries its manifest names.
/// </summary>
public static class PaddedBundle
{
    private const string ModelEntry = "model.onnx";

    /// <summary>Writes the padded copy of <paramref name="source"/> to <paramref name="target"/>; returns its SHA-256 and size.</summary>
    public static async Task<(string Sha256, long SizeBytes)> WriteAsync(string source, string target, int paddingBytes)
    {
        using (var input = ZipFile.OpenRead(source))
        {
            await using var output = new ZipArchive(File.Create(target), ZipArchiveMode.Create);
            foreach (var entry in input.Entries)
            {
                await using var read = entry.Open();
                using var bytes = new MemoryStream();
                await read.CopyToAsync(bytes);
                if (entry.FullName == ModelEntry)
                {
                    AppendDocString(bytes, paddingBytes);
                }

                // Stored: the padding does not compress, and a stored entry keeps the bundle's size predictable.
                var copy = output.CreateEntry(entry.FullName, entry.FullName == ModelEntry ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                copy.LastWriteTime = entry.LastWriteTime;
                await using var write = copy.Open();
                bytes.Position = 0;
                await bytes.CopyToAsync(write);
            }
        }

        await using var file = File.OpenRead(target);
        return (Convert.ToHexStringLower(await SHA256.HashDataAsync(file)), file.Length);
    }

    /// <summary>Appends field 6 (doc_string, length-delimited) holding <paramref name="length"/> printable ASCII characters.</summary>
    private static void AppendDocString(MemoryStream model, int length)
    {
        model.Position = model.Length;
        model.WriteByte((6 << 3) | 2);
        for (var value = (uint)length; ; value >>= 7)
        {
            if (value < 0x80)
            {
                model.WriteByte((byte)value);
                break;
            }

            model.WriteByte((byte)((value & 0x7F) | 0x80));
        }

        // Fixed seed: the same padded bundle (and hash) every run. Letters, so the string is valid UTF-8.
        var random = new Random(20261129);
        var text = new byte[length];
        for (var i = 0; i < length; i++)
        {
            text[i] = (byte)('a' + random.Next(26));
        }

        model.Write(text);
    }
}
