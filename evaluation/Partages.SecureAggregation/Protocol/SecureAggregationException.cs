namespace Partages.SecureAggregation;

/// <summary>Why a message, a cohort or a round was refused. Stable names: they will travel in gRPC details.</summary>
public enum RefusalCode
{
    /// <summary>A message arrived in a round it does not belong to, or twice where once is allowed.</summary>
    WrongRound,
    /// <summary>A vector of the wrong length or ring.</summary>
    WrongShape,
    /// <summary>A signature that does not verify, or a long-term key whose pin is not the policy's.</summary>
    BadSignature,
    /// <summary>A peer that the node's policy does not list.</summary>
    UnknownPeer,
    /// <summary>A message or share from (or about) a node outside the cohort of its round.</summary>
    OutsideCohort,
    /// <summary>The same share, message or key twice.</summary>
    Duplicate,
    /// <summary>A share, ciphertext or key that cannot be parsed, decrypted or does not match what was committed.</summary>
    Malformed,
    /// <summary>Fewer members than the threshold (or than the node's minimum cohort size).</summary>
    TooFewMembers,
    /// <summary>Parameters an honest node will not run with (threshold too low for the cohort, empty vector...).</summary>
    UnsafeParameters,
    /// <summary>The coordinator asked for something an honest node never reveals (both masks of one node, another survivor set).</summary>
    ForbiddenRequest,
    /// <summary>The unmasked sum lies outside what the ring can carry or the announced dataset sizes allow.</summary>
    SumOutOfRange,
    /// <summary>The session already failed; nothing more is accepted.</summary>
    SessionFailed,
}

/// <summary>
/// A refusal with its reason. A node throws it and abandons the session; the coordinator throws it for one bad
/// message and keeps the round going, or, when a round cannot close, fails the session without revealing a sum.
/// </summary>
public sealed class SecureAggregationException : Exception
{
    public SecureAggregationException(RefusalCode code, string message)
        : base(message) => Code = code;

    public SecureAggregationException()
        : this(RefusalCode.Malformed, "Secure aggregation refused.")
    {
    }

    public SecureAggregationException(string message)
        : this(RefusalCode.Malformed, message)
    {
    }

    public SecureAggregationException(string message, Exception innerException)
        : base(message, innerException) => Code = RefusalCode.Malformed;

    public RefusalCode Code { get; }
}
