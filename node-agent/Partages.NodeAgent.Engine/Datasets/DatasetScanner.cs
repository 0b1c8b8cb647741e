using System.Security.Cryptography;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>Counts a dataset's documents (lines with content) and optionally fingerprints its bytes, in one streaming pass.</summary>
internal static class DatasetScanner
{
    public static (long Documents, string? Sha256) Scan(Stream stream, int maxLineBytes, bool fingerprint, CancellationToken cancellationToken)
    {
        using var hash = fingerprint ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var lines = new Utf8LineReader(stream, maxLineBytes, hash);
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

        cancellationToken.ThrowIfCancellationRequested();
        return (documents, hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
