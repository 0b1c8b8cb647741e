using System.Buffers.Binary;

namespace Partages.ModelKit.Bundles;

/// <summary>
/// Writes a zip whose bytes depend on the entries alone: stored (no compression, so no dependence on
/// the zlib build), a fixed timestamp, no extra fields, "made by" MS-DOS with zero attributes.
/// <see cref="System.IO.Compression.ZipArchive"/> stamps the host OS into every entry and deflates with
/// whatever zlib the runtime ships, so the same files would hash differently on Windows and Linux.
/// </summary>
public static class DeterministicZip
{
    /// <summary>2026-01-01 00:00:00 in MS-DOS date/time form.</summary>
    public static readonly DateTime Timestamp = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private const ushort DosDate = ((2026 - 1980) << 9) | (1 << 5) | 1;
    private const ushort DosTime = 0;
    private const ushort VersionNeeded = 10;
    private const ushort Utf8NamesFlag = 1 << 11;

    public static byte[] Create(IReadOnlyList<(string Name, byte[] Content)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var output = new MemoryStream();
        var central = new MemoryStream();
        foreach (var (name, content) in entries)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var flags = nameBytes.Length == name.Length ? (ushort)0 : Utf8NamesFlag;
            var crc = Crc32.Compute(content);
            var offset = checked((uint)output.Position);

            WriteUInt32(output, 0x04034B50);
            WriteSharedHeader(output, flags, crc, content.Length, nameBytes.Length);
            output.Write(nameBytes);
            output.Write(content);

            WriteUInt32(central, 0x02014B50);
            WriteUInt16(central, VersionNeeded); // made by: MS-DOS, spec 1.0
            WriteSharedHeader(central, flags, crc, content.Length, nameBytes.Length);
            WriteUInt16(central, 0); // comment length
            WriteUInt16(central, 0); // disk number
            WriteUInt16(central, 0); // internal attributes
            WriteUInt32(central, 0); // external attributes
            WriteUInt32(central, offset);
            central.Write(nameBytes);
        }

        var centralOffset = checked((uint)output.Position);
        central.Position = 0;
        central.CopyTo(output);
        WriteUInt32(output, 0x06054B50);
        WriteUInt16(output, 0);
        WriteUInt16(output, 0);
        WriteUInt16(output, checked((ushort)entries.Count));
        WriteUInt16(output, checked((ushort)entries.Count));
        WriteUInt32(output, checked((uint)central.Length));
        WriteUInt32(output, centralOffset);
        WriteUInt16(output, 0);
        return output.ToArray();
    }

    /// <summary>
    /// The run of fields the local header and the central directory entry both carry (version needed, flags, method
    /// "stored", time, date, CRC, sizes, name length, extra length 0): the spec has them say the same thing twice.
    /// </summary>
    private static void WriteSharedHeader(Stream stream, ushort flags, uint crc, int length, int nameLength)
    {
        WriteUInt16(stream, VersionNeeded);
        WriteUInt16(stream, flags);
        WriteUInt16(stream, 0); // stored
        WriteUInt16(stream, DosTime);
        WriteUInt16(stream, DosDate);
        WriteUInt32(stream, crc);
        WriteUInt32(stream, checked((uint)length)); // compressed size
        WriteUInt32(stream, checked((uint)length)); // uncompressed size
        WriteUInt16(stream, checked((ushort)nameLength));
        WriteUInt16(stream, 0); // extra field length
    }

    private static void WriteUInt16(Stream stream, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, value);
        stream.Write(buffer);
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        stream.Write(buffer);
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected 0xEDB88320), as zip requires.</summary>
    private static class Crc32
    {
        private static readonly uint[] s_table = CreateTable();

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in data)
            {
                crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return ~crc;
        }

        private static uint[] CreateTable()
        {
            var table = new uint[256];
            for (var n = 0u; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}
