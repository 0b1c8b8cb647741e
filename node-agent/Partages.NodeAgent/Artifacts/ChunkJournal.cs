using System.Text;
using Partages.Evaluation;

namespace Partages.NodeAgent.Artifacts;

/// <summary>One chunk of an artifact as it arrived: where it lies and the SHA-256 it was checked against.</summary>
public readonly record struct JournalEntry(long Offset, int Length, string Sha256)
{
    public long End => Offset + Length;
}

/// <summary>
/// The chunks of an artifact checked on arrival, one line each (<c>offset length sha256</c>), in
/// <c>&lt;sha256&gt;.chunks</c> beside the partial or final file. Bytes a journal line does not cover were never
/// checked; bytes it covers can be checked again at any time without the network, so a byte flipped on disk (a partial
/// file left by a killed agent, a cached bundle) is found chunk by chunk and only that chunk is fetched again.
/// The journal is only an index: whatever it says, the whole file's SHA-256 decides before the artifact is used.
/// </summary>
public static class ChunkJournal
{
    /// <summary>
    /// The entries that make a contiguous run from byte 0; reading stops at the first malformed, empty or
    /// non-contiguous line (a line cut short by a crash, say), since what follows cannot be trusted either.
    /// </summary>
    public static List<JournalEntry> Read(string path)
    {
        var entries = new List<JournalEntry>();
        if (!File.Exists(path))
        {
            return entries;
        }

        long expected = 0;
        foreach (var line in File.ReadLines(path, Encoding.ASCII))
        {
            var parts = line.Split(' ');
            if (parts.Length != 3
                || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || offset != expected
                || length <= 0
                || !ContentHash.IsWellFormed(parts[2]))
            {
                break;
            }

            entries.Add(new JournalEntry(offset, length, parts[2]));
            expected = offset + length;
        }

        return entries;
    }

    /// <summary>Replaces the journal atomically (temporary file, renamed), so a crash leaves the old or the new one.</summary>
    public static void Write(string path, IEnumerable<JournalEntry> entries)
    {
        var temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary, append: false, Encoding.ASCII))
        {
            foreach (var entry in entries)
            {
                writer.Write(Line(entry));
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static string Line(JournalEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"{entry.Offset} {entry.Length} {entry.Sha256}\n");

    /// <summary>The entries whose bytes in <paramref name="path"/> no longer hash to what the journal recorded.</summary>
    public static async Task<List<JournalEntry>> FindDamagedAsync(string path, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken)
    {
        var damaged = new List<JournalEntry>();
        if (entries.Count == 0)
        {
            return damaged;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var buffer = new byte[entries.Max(e => e.Length)];
        foreach (var entry in entries)
        {
            var memory = buffer.AsMemory(0, entry.Length);
            var read = 0;
            while (read < entry.Length)
            {
                var n = await RandomAccess.ReadAsync(handle, memory[read..], entry.Offset + read, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            if (read != entry.Length || ContentHash.Of(memory.Span) != entry.Sha256)
            {
                damaged.Add(entry);
            }
        }

        return damaged;
    }
}
