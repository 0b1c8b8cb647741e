using System.Security.Cryptography;
using System.Text;

namespace Partages.Evaluation.Robustness;

/// <summary>
/// The random choices of a perturbation for one report: a SplitMix64 stream (Steele, Lea and Flood, 2014)
/// seeded from SHA-256 of the spec's seed, the perturbation's name and the report's id. Fixed here rather than
/// <see cref="Random"/>, whose algorithm is not promised across .NET versions, so a seed recorded in a
/// reproducibility manifest gives the same perturbed reports on every machine and every later release; seeding
/// by id makes a report's perturbation independent of its position in the file.
/// </summary>
internal sealed class DocumentRandom
{
    private ulong _state;

    public DocumentRandom(long seed, string perturbation, string documentId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{perturbation}\n{documentId}"));
        _state = BitConverter.ToUInt64(hash, 0);
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) from the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="count"/>), by rejection so that no value is favoured.</summary>
    public int Next(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var limit = ulong.MaxValue - ulong.MaxValue % (ulong)count;
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);

        return (int)(value % (ulong)count);
    }
}
