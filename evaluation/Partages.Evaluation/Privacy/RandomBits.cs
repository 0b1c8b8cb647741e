using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Partages.Evaluation.Privacy;

/// <summary>
/// A source of uniformly random 64-bit words: all the randomness the privacy code consumes goes through this one
/// method, so production noise and deterministic simulations differ only in the instance passed.
/// </summary>
public interface IRandomBits
{
    /// <summary>A uniformly distributed 64-bit word.</summary>
    ulong NextUInt64();
}

/// <summary>
/// The operating system's cryptographically secure generator (<see cref="RandomNumberGenerator"/>): the only source
/// allowed for privacy noise. Noise from a generator whose output can be predicted or replayed can be recomputed
/// and subtracted, which removes the guarantee entirely. Words are read from the OS in blocks of 512 bytes
/// because one system call per word would dominate the sampler's cost; the block never leaves this object.
/// Thread-safe.
/// </summary>
public sealed class CryptoRandomBits : IRandomBits
{
    private const int BlockWords = 64;
    private readonly byte[] _block = new byte[BlockWords * sizeof(ulong)];
    private readonly Lock _gate = new();
    private int _next = BlockWords;

    public ulong NextUInt64()
    {
        lock (_gate)
        {
            if (_next == BlockWords)
            {
                RandomNumberGenerator.Fill(_block);
                _next = 0;
            }

            var word = BinaryPrimitives.ReadUInt64LittleEndian(_block.AsSpan(_next * sizeof(ulong), sizeof(ulong)));
            // Wiping a word once handed out keeps the block from holding a copy of noise already used.
            _block.AsSpan(_next * sizeof(ulong), sizeof(ulong)).Clear();
            _next++;
            return word;
        }
    }
}

/// <summary>
/// xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 2021): a small,
/// fast generator that passes BigCrush and PractRand, fully specified by its published reference code, so a given
/// seed produces the same words on every platform and runtime (unlike <see cref="Random"/>, whose seeded algorithm
/// is an implementation detail). That makes it right for simulations whose output must be reproducible — the
/// intervals of <see cref="NoisyClassification"/> and <see cref="NoisyRanking"/> — and for tests.
/// It is NEVER acceptable for privacy noise: it is not cryptographic (four consecutive outputs reveal its state,
/// and anyone holding the seed replays every word), so noise drawn from it could be subtracted.
/// Not thread-safe.
/// </summary>
public sealed class SeededRandomBits : IRandomBits
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the state with 32 bytes read as four little-endian words (not all zero: xoshiro's one invalid state).</summary>
    /// <exception cref="ArgumentException">Not 32 bytes, or all zero.</exception>
    public SeededRandomBits(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"A seed is 32 bytes; got {seed.Length}.", nameof(seed));
        }

        _s0 = BinaryPrimitives.ReadUInt64LittleEndian(seed[..8]);
        _s1 = BinaryPrimitives.ReadUInt64LittleEndian(seed[8..16]);
        _s2 = BinaryPrimitives.ReadUInt64LittleEndian(seed[16..24]);
        _s3 = BinaryPrimitives.ReadUInt64LittleEndian(seed[24..]);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            throw new ArgumentException("An all-zero seed is xoshiro256**'s fixed point: it would emit only zeros.", nameof(seed));
        }
    }

    /// <summary>
    /// Seeds from one word expanded by SplitMix64, as the xoshiro authors recommend, so that nearby small seeds
    /// (1, 2, 3 …) still start from unrelated states.
    /// </summary>
    public SeededRandomBits(ulong seed)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>A generator seeded with the SHA-256 of <paramref name="material"/>: how simulations are seeded from their inputs.</summary>
    public static SeededRandomBits FromHashOf(ReadOnlySpan<byte> material) => new(SHA256.HashData(material));

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
