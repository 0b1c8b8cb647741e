using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Partages.SecureAggregation.Noise;

/// <summary>
/// Uniform integers from the operating system's CSPRNG, buffered (one system call per 4 KiB, not per draw), and
/// exact Bernoulli coins with rational probabilities: no floating point anywhere, so the noise distribution is the
/// one the privacy analysis assumes, not an approximation of it.
/// </summary>
public sealed class ExactRandom
{
    private readonly byte[] _buffer = new byte[4096];
    private int _position;

    // Null: the operating system's CSPRNG. Set: a seeded AES-CTR stream, for reproducible benchmarks only.
    private readonly byte[]? _seedKey;
    private ulong _refills;

    public ExactRandom() => _position = _buffer.Length;

    private ExactRandom(byte[] seedKey)
        : this() => _seedKey = seedKey;

    /// <summary>
    /// A reproducible stream (AES-256-CTR keyed by SHA-256 of the seed): for benchmarks and tests only. Noise anyone
    /// can reproduce can be subtracted, so no node ever uses it.
    /// </summary>
    public static ExactRandom Seeded(ulong seed) => new(SHA256.HashData(BitConverter.GetBytes(seed)));

    /// <summary>A uniform integer in [0, bound), by rejection so that no value is favoured.</summary>
    public ulong NextBelow(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        // The largest multiple of bound that fits; draws at or above it are rejected.
        var limit = ulong.MaxValue - (ulong.MaxValue % bound);
        while (true)
        {
            var draw = NextUInt64();
            if (draw < limit)
            {
                return draw % bound;
            }
        }
    }

    /// <summary>True with probability exactly numerator / denominator.</summary>
    public bool Bernoulli(ulong numerator, ulong denominator)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numerator, denominator);
        return NextBelow(denominator) < numerator;
    }

    private ulong NextUInt64()
    {
        if (_position + sizeof(ulong) > _buffer.Length)
        {
            if (_seedKey is null)
            {
                RandomNumberGenerator.Fill(_buffer);
            }
            else
            {
                // The refill number in the counter's high half: each refill's 256 blocks are its own.
                Span<byte> counter = stackalloc byte[16];
                BinaryPrimitives.WriteUInt64BigEndian(counter, _refills++);
                Crypto.AesCounterPrg.Keystream(_seedKey, counter, _buffer);
            }

            _position = 0;
        }
        var value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position, sizeof(ulong)));
        // Used bytes are wiped so that noise already added cannot be read back from the buffer.
        _buffer.AsSpan(_position, sizeof(ulong)).Clear();
        _position += sizeof(ulong);
        return value;
    }
}
