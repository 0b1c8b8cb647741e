using System.Security.Cryptography;
using System.Text;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Counts a dataset's documents and optionally fingerprints it (SHA-256), in one streaming pass: lines with content
/// for JSONL, records with content after the header for CSV, <c>.txt</c> files for a brat folder (whose fingerprint
/// covers each <c>.txt</c> and <c>.ann</c> with its relative path, in order).
/// </summary>
internal static class DatasetScanner
{
    public static (long Documents, string? Sha256) Scan(DatasetDefinition dataset, int maxLineBytes, bool fingerprint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        using var hash = fingerprint ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        long documents;
        if (DatasetFile.Is(dataset, DatasetFormats.Brat))
        {
            documents = ScanBrat(DatasetFile.BratFolder(dataset), hash, cancellationToken);
        }
        else
        {
            using var stream = DatasetFile.OpenRead(dataset);
            var csv = DatasetFile.Is(dataset, DatasetFormats.Csv);
            documents = ScanLines(stream, maxLineBytes, csv, hash, cancellationToken);
            if (csv && documents > 0)
            {
                documents--;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return (documents, hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static long ScanLines(Stream stream, int maxLineBytes, bool quoteAware, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        var lines = new Utf8LineReader(stream, maxLineBytes, hash, quoteAware);
        long documents = 0, seen = 0;
        while (lines.ReadLine(out var line, out var tooLong))
        {
            if ((++seen & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (tooLong || JsonlDocumentReader.HasContent(line))
            {
                documents++;
            }
        }

        return documents;
    }

    private static long ScanBrat(DirectoryInfo folder, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        long documents = 0;
        // Orphan .ann files are documents too (read and set aside), so the progress total and the fingerprint count them.
        foreach (var document in BratDocumentReader.EnumerateDocuments(folder))
        {
            cancellationToken.ThrowIfCancellationRequested();
            documents++;
            if (hash is null)
            {
                continue;
            }

            FileInfo[] files = BratDocumentReader.IsOrphan(document) ? [document] : [document, new FileInfo(Path.ChangeExtension(document.FullName, ".ann"))];
            foreach (var file in files)
            {
                // Name, a separator, the byte count, then the bytes: no two different folders hash alike.
                hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(folder.FullName, file.FullName).Replace('\\', '/') + "\0"));
                if (!file.Exists)
                {
                    hash.AppendData("-1\0"u8);
                    continue;
                }

                hash.AppendData(Encoding.UTF8.GetBytes(file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\0"));
                using var stream = file.OpenRead();
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = stream.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }
            }
        }

        return documents;
    }
}
