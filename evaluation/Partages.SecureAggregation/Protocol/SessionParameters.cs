using System.Security.Cryptography;
using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Ring;

namespace Partages.SecureAggregation.Protocol;

/// <summary>
/// What one secure sum is about, announced by the coordinator and fixed for its whole run. Every key, signature and
/// encryption is bound to <see cref="Context"/>, so nothing from one evaluation can be replayed into another.
/// </summary>
/// <param name="EvaluationId">The evaluation (and release) this sum belongs to; unique per sum.</param>
/// <param name="VectorLength">Number of counts in every node's vector.</param>
/// <param name="Threshold">t: shares needed to rebuild a secret, and the fewest survivors that still unmask.</param>
public sealed record SessionParameters(string EvaluationId, int VectorLength, int Threshold)
{
    /// <summary>Vectors longer than this are refused: 2^24 counts is far beyond any task's release.</summary>
    public const int MaximumVectorLength = 1 << 24;

    /// <summary>SHA-256 of the parameters: salt of every key derivation, prefix of every signed message.</summary>
    public byte[] Context() => SHA256.HashData(
        new Transcript("partages-secagg-v1").Add(EvaluationId).Add(VectorLength).Add(Threshold).Add(RingVector.RingBits).ToArray());

    /// <summary>Every problem with the parameters, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(EvaluationId))
        {
            errors.Add("The evaluation id is empty.");
        }
        if (VectorLength < 1 || VectorLength > MaximumVectorLength)
        {
            errors.Add($"The vector length {VectorLength} is outside 1..{MaximumVectorLength}.");
        }
        if (Threshold < 2)
        {
            errors.Add($"The threshold {Threshold} is below 2: one share alone would reveal a node's secrets.");
        }
        return errors;
    }

    /// <summary>
    /// A threshold an honest node accepts for a cohort of <paramref name="cohortSize"/>: more than half of it, so two
    /// disjoint groups can never both reach t (one rebuilding b_u, the other s_u of the same node).
    /// </summary>
    public bool IsSafeFor(int cohortSize) => Threshold >= 2 && 2 * Threshold > cohortSize && Threshold <= cohortSize;
}

/// <summary>
/// A node's own rules for being pooled, written by its hospital: the peers it agrees to be summed with (their
/// long-term aggregation key pins, exchanged out of band) and the smallest cohort it joins. A coordinator that invents
/// nodes to isolate one hospital meets an unknown pin, or a cohort too small, and is refused.
/// </summary>
/// <param name="MinimumCohortSize">The fewest members (U1) the node joins a sum with, itself included.</param>
/// <param name="PeerPins">Node id → pin (hex SHA-256 of the peer's long-term aggregation key).</param>
public sealed record AggregationPolicy(int MinimumCohortSize, IReadOnlyDictionary<string, string> PeerPins)
{
    /// <summary>Every problem with the policy, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MinimumCohortSize < 3)
        {
            errors.Add($"The minimum cohort size {MinimumCohortSize} is below 3: with two members each learns the other's vector from the sum.");
        }
        foreach (var (peer, pin) in PeerPins)
        {
            if (pin.Length != 64 || !pin.All(Uri.IsHexDigit))
            {
                errors.Add($"The pin of peer '{peer}' is not 64 hex digits (SHA-256 of its aggregation key).");
            }
        }
        return errors;
    }
}
