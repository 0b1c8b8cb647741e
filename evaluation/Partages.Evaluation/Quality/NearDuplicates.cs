using System.Text;

namespace Partages.Evaluation.Quality;

/// <summary>
/// Near-duplicate reports by MinHash (Broder, 1997) with banded locality-sensitive hashing: a report's words are
/// lower-cased and accent-folded, cut into overlapping 3-word shingles (short enough that one changed word in a 40-word report leaves a Jaccard similarity near 0.87), and summarised by the minimum of 64 hash
/// functions over its shingles; two reports whose signatures agree on one of 16 bands of 4 values are compared,
/// and counted as near-duplicates when their signatures agree on at least 80 % of the 64 values (an estimate of
/// a Jaccard similarity ≥ 0.8 between their shingle sets). Reports of fewer than 3 words are one shingle. Exact
/// duplicates are found separately (same text) and are not counted again here. Local only: one report can be a
/// near-duplicate of many, so these counts have no bounded sensitivity and are never released.
/// </summary>
public sealed class NearDuplicates
{
    public const int ShingleWords = 3;
    public const int Hashes = 64;
    public const int Bands = 16;
    public const double Threshold = 0.8;

    private const int RowsPerBand = Hashes / Bands;
    private static readonly (ulong Multiplier, ulong Offset)[] s_functions = HashFunctions();

    private readonly List<ulong[]> _signatures = [];
    private readonly Dictionary<(int Band, ulong Key), List<int>> _buckets = [];
    private readonly HashSet<int> _nearDuplicates = [];

    /// <summary>Reports that have at least one earlier near-duplicate (the first of a group is not counted).</summary>
    public long Count => _nearDuplicates.Count;

    /// <summary>Adds a report; true when it is a near-duplicate of one added before.</summary>
    public bool Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var signature = Signature(text);
        var index = _signatures.Count;
        _signatures.Add(signature);
        var found = false;
        for (var band = 0; band < Bands; band++)
        {
            var key = BandKey(signature, band);
            if (!_buckets.TryGetValue((band, key), out var members))
            {
                members = [];
                _buckets[(band, key)] = members;
            }

            found = found || members.Any(member => Similarity(_signatures[member], signature) >= Threshold);
            members.Add(index);
        }

        if (found)
        {
            _nearDuplicates.Add(index);
        }

        return found;
    }

    /// <summary>The share of the 64 MinHash values two signatures agree on.</summary>
    public static double Similarity(ulong[] first, ulong[] second)
    {
        var equal = 0;
        for (var i = 0; i < Hashes; i++)
        {
            equal += first[i] == second[i] ? 1 : 0;
        }

        return equal / (double)Hashes;
    }

    public static ulong[] Signature(string text)
    {
        var words = Tokenization.AccentFolding.Fold(text).ToLowerInvariant()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var signature = Enumerable.Repeat(ulong.MaxValue, Hashes).ToArray();
        var shingles = Math.Max(1, words.Length - ShingleWords + 1);
        for (var start = 0; start < shingles; start++)
        {
            var shingle = Fnv1a(string.Join(' ', words.Skip(start).Take(ShingleWords)));
            for (var i = 0; i < Hashes; i++)
            {
                var (multiplier, offset) = s_functions[i];
                signature[i] = Math.Min(signature[i], Mix(shingle * multiplier + offset));
            }
        }

        return signature;
    }

    private static ulong BandKey(ulong[] signature, int band)
    {
        var key = 14695981039346656037UL;
        for (var row = 0; row < RowsPerBand; row++)
        {
            key = (key ^ signature[band * RowsPerBand + row]) * 1099511628211UL;
        }

        return key;
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    // SplitMix64's finaliser: spreads the affine images so that their minimum behaves like a random permutation's.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static (ulong, ulong)[] HashFunctions()
    {
        // Fixed constants (odd multipliers), so that a dataset's near-duplicates are the same on every machine.
        var functions = new (ulong, ulong)[Hashes];
        var state = 0x5041525441474553UL; // "PARTAGES"
        for (var i = 0; i < Hashes; i++)
        {
            state = Mix(state + 0x9E3779B97F4A7C15UL);
            var multiplier = state | 1;
            state = Mix(state + 0x9E3779B97F4A7C15UL);
            functions[i] = (multiplier, state);
        }

        return functions;
    }
}
