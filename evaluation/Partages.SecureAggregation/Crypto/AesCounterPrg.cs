using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Partages.SecureAggregation.Crypto;

/// <summary>
/// The masks' PRG: AES in counter mode (NIST SP 800-38A, section 6.5), built from <see cref="Aes.EncryptEcb(ReadOnlySpan{byte}, PaddingMode)"/>
/// over counter blocks because .NET has no CTR mode. This is the standard construction, not a new cipher: the
/// keystream is E_K(T_1) || E_K(T_2) || ... with T_{i+1} = T_i + 1 over the whole 128-bit block (big-endian).
/// </summary>
public static class AesCounterPrg
{
    /// <summary>Seeds are AES-256 keys.</summary>
    public const int SeedBytes = 32;

    private const int BlockBytes = 16;

    /// <summary>How many counter blocks are encrypted per ECB call: bounds the scratch memory, not the output.</summary>
    private const int BlocksPerBatch = 1024;

    /// <summary>
    /// Fills <paramref name="destination"/> with the AES-CTR keystream for <paramref name="key"/> (16, 24 or 32
    /// bytes) starting at the counter block <paramref name="initialCounter"/>.
    /// </summary>
    public static void Keystream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> initialCounter, Span<byte> destination)
    {
        if (initialCounter.Length != BlockBytes)
        {
            throw new ArgumentException($"The initial counter block must be {BlockBytes} bytes, not {initialCounter.Length}.", nameof(initialCounter));
        }
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        Span<byte> counter = stackalloc byte[BlockBytes];
        initialCounter.CopyTo(counter);
        var blocks = new byte[Math.Min(BlocksPerBatch, (destination.Length + BlockBytes - 1) / BlockBytes) * BlockBytes];
        var encrypted = new byte[blocks.Length];
        var written = 0;
        while (written < destination.Length)
        {
            var remainingBlocks = (destination.Length - written + BlockBytes - 1) / BlockBytes;
            var batch = Math.Min(remainingBlocks, blocks.Length / BlockBytes);
            for (var b = 0; b < batch; b++)
            {
                counter.CopyTo(blocks.AsSpan(b * BlockBytes, BlockBytes));
                Increment(counter);
            }
            var input = blocks.AsSpan(0, batch * BlockBytes);
            var output = encrypted.AsSpan(0, input.Length);
            aes.EncryptEcb(input, output, PaddingMode.None);
            var take = Math.Min(output.Length, destination.Length - written);
            output[..take].CopyTo(destination[written..]);
            written += take;
        }
    }

    /// <summary>
    /// Expands a 32-byte seed into <paramref name="count"/> ring elements: AES-256-CTR from the all-zero counter
    /// block, each element the next 8 keystream bytes read little-endian. Each seed is used for one mask only.
    /// </summary>
    public static ulong[] Expand(ReadOnlySpan<byte> seed, int count)
    {
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"A PRG seed is {SeedBytes} bytes, not {seed.Length}.", nameof(seed));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var bytes = new byte[checked(count * sizeof(ulong))];
        Keystream(seed, stackalloc byte[BlockBytes], bytes);
        var result = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * sizeof(ulong), sizeof(ulong)));
        }
        return result;
    }

    private static void Increment(Span<byte> counter)
    {
        for (var i = counter.Length - 1; i >= 0; i--)
        {
            if (++counter[i] != 0)
            {
                return;
            }
        }
    }
}
