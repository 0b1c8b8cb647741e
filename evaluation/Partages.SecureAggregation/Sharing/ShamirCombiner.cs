using System.Numerics;

namespace Partages.SecureAggregation.Sharing;

/// <summary>
/// Reconstruction with the Lagrange coefficients cached per set of points: the coordinator rebuilds one secret per
/// cohort member, usually from the same responders, so the t modular inversions are paid once per set, not per node.
/// </summary>
public sealed class ShamirCombiner
{
    private readonly Dictionary<string, LagrangeBasis> _bases = new(StringComparer.Ordinal);

    /// <inheritdoc cref="Shamir.Combine"/>
    public byte[] Combine(IReadOnlyCollection<ShamirShare> shares, int threshold, IReadOnlySet<int> allowedPoints, string owner)
    {
        var parsed = Validate(shares, threshold, allowedPoints, owner);
        var points = parsed.Take(threshold).Select(p => p.X).ToArray();
        var key = string.Join(',', points);
        if (!_bases.TryGetValue(key, out var basis))
        {
            basis = new LagrangeBasis(points);
            _bases[key] = basis;
        }
        var secret = basis.Evaluate(parsed, 0);
        foreach (var extra in parsed.Skip(threshold))
        {
            if (basis.Evaluate(parsed, extra.X) != extra.Y)
            {
                throw new SecureAggregationException(
                    RefusalCode.Malformed,
                    $"The share held at point {extra.X} for node '{owner}' does not agree with the other shares: it is corrupted or forged.");
            }
        }
        return Shamir.ToBytes(secret);
    }

    private static List<(int X, BigInteger Y)> Validate(IReadOnlyCollection<ShamirShare> shares, int threshold, IReadOnlySet<int> allowedPoints, string owner)
    {
        var parsed = new List<(int X, BigInteger Y)>(shares.Count);
        var seen = new HashSet<int>();
        foreach (var share in shares)
        {
            if (!allowedPoints.Contains(share.X))
            {
                throw new SecureAggregationException(RefusalCode.OutsideCohort, $"A share of node '{owner}' claims point {share.X}, which no cohort member holds.");
            }
            if (!seen.Add(share.X))
            {
                throw new SecureAggregationException(RefusalCode.Duplicate, $"Two shares of node '{owner}' at point {share.X}.");
            }
            parsed.Add((share.X, Shamir.Parse(share.Value, $"share {share.X} of node '{owner}'")));
        }
        if (parsed.Count < threshold)
        {
            throw new SecureAggregationException(RefusalCode.TooFewMembers, $"Only {parsed.Count} shares of node '{owner}', the threshold is {threshold}.");
        }
        parsed.Sort((a, b) => a.X.CompareTo(b.X));
        return parsed;
    }

    /// <summary>The Lagrange basis through a fixed set of points, with the inverted denominators precomputed.</summary>
    private sealed class LagrangeBasis
    {
        private static readonly BigInteger Prime = Shamir.Prime;
        private readonly int[] _points;
        private readonly BigInteger[] _inverseDenominators;

        public LagrangeBasis(int[] points)
        {
            _points = points;
            _inverseDenominators = new BigInteger[points.Length];
            for (var i = 0; i < points.Length; i++)
            {
                var denominator = BigInteger.One;
                for (var k = 0; k < points.Length; k++)
                {
                    if (k != i)
                    {
                        denominator = denominator * Mod(points[i] - points[k]) % Prime;
                    }
                }
                _inverseDenominators[i] = BigInteger.ModPow(denominator, Prime - 2, Prime);
            }
        }

        /// <summary>The polynomial through (points[i], parsed[i].Y) evaluated at <paramref name="at"/>.</summary>
        public BigInteger Evaluate(List<(int X, BigInteger Y)> parsed, int at)
        {
            var n = _points.Length;
            // Prefix and suffix products of (at - x_k) give each numerator without a division.
            var prefix = new BigInteger[n + 1];
            var suffix = new BigInteger[n + 1];
            prefix[0] = BigInteger.One;
            suffix[n] = BigInteger.One;
            for (var k = 0; k < n; k++)
            {
                prefix[k + 1] = prefix[k] * Mod(at - _points[k]) % Prime;
            }
            for (var k = n - 1; k >= 0; k--)
            {
                suffix[k] = suffix[k + 1] * Mod(at - _points[k]) % Prime;
            }
            var result = BigInteger.Zero;
            for (var i = 0; i < n; i++)
            {
                var lagrange = prefix[i] * suffix[i + 1] % Prime * _inverseDenominators[i] % Prime;
                result = (result + (parsed[i].Y * lagrange)) % Prime;
            }
            return result;
        }

        private static BigInteger Mod(BigInteger value) => ((value % Prime) + Prime) % Prime;
    }
}
