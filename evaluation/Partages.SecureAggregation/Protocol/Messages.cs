namespace Partages.SecureAggregation.Protocol;

// The messages of the five rounds (Bonawitz et al., CCS 2017, Fig. 4, with the consistency check), as plain records
// so that a later round can map each to a protobuf message field for field. Node -> coordinator messages name their
// sender; the transport (mutual TLS) is what authenticates it, the signatures are what the peers check.

/// <summary>Round 0, node → coordinator: the node's two ephemeral public keys, signed with its long-term aggregation key.</summary>
/// <param name="NodeId">The node's name in the federation (what peers' policies list).</param>
/// <param name="LongTermPublicKey">SubjectPublicKeyInfo of the long-term aggregation key; its SHA-256 is the peer pin.</param>
/// <param name="EncryptionPublicKey">c_u: ephemeral P-256 key whose agreements encrypt the shares between nodes.</param>
/// <param name="MaskingPublicKey">s_u: ephemeral P-256 key whose agreements seed the pairwise masks.</param>
/// <param name="Signature">ECDSA P-256/SHA-256 over the session context, the node id and both ephemeral keys.</param>
public sealed record KeyAdvertisement(string NodeId, byte[] LongTermPublicKey, byte[] EncryptionPublicKey, byte[] MaskingPublicKey, byte[] Signature);

/// <summary>Round 0, coordinator → every node: all advertisements received (U1, the cohort).</summary>
public sealed record KeyRoster(IReadOnlyList<KeyAdvertisement> Members);

/// <summary>One sender's shares of s_u and b_u for one recipient, AES-256-GCM-encrypted under their c-key agreement.</summary>
public sealed record EncryptedShare(string Sender, string Recipient, byte[] Ciphertext);

/// <summary>Round 1, node → coordinator: one encrypted share for every other cohort member.</summary>
public sealed record ShareBundle(string Sender, IReadOnlyList<EncryptedShare> Shares);

/// <summary>Round 1, coordinator → one node: the shares addressed to it by the members that completed round 1 (U2).</summary>
public sealed record ShareDelivery(string Recipient, IReadOnlyList<EncryptedShare> Shares);

/// <summary>Round 2, node → coordinator: its vector plus its self mask and pairwise masks, in Z/2^RingBits.</summary>
public sealed record MaskedInput(string Sender, int RingBits, ulong[] Vector);

/// <summary>Round 2, coordinator → nodes: who sent a masked vector (U3).</summary>
public sealed record SurvivorList(IReadOnlyList<string> Survivors);

/// <summary>Round 3, node → coordinator: the node's signature over the survivor list it was shown.</summary>
public sealed record ConsistencySignature(string Sender, byte[] Signature);

/// <summary>
/// Round 3, coordinator → nodes: the survivors' signatures (so each node sees that all were shown the same U3), and
/// which shares it asks for: the self-mask seed b of each survivor, the masking key s of each node that shared but
/// did not send a vector. An honest node answers only if the two lists are U3 and U2 \ U3 exactly.
/// </summary>
public sealed record UnmaskingRequest(
    IReadOnlyList<ConsistencySignature> Signatures,
    IReadOnlyList<string> SelfMaskSharesOf,
    IReadOnlyList<string> MaskingKeySharesOf);

/// <summary>Which secret a revealed share belongs to.</summary>
public enum ShareKind
{
    /// <summary>A share of b_u, the seed of u's self mask: revealed only for survivors.</summary>
    SelfMask,
    /// <summary>A share of s_u's private scalar: revealed only for nodes that dropped after sharing.</summary>
    MaskingKey,
}

/// <summary>One share a node reveals in round 4.</summary>
public sealed record RevealedShare(string Owner, ShareKind Kind, int X, byte[] Value);

/// <summary>Round 4, node → coordinator.</summary>
public sealed record UnmaskingResponse(string Sender, IReadOnlyList<RevealedShare> Shares);

/// <summary>
/// The outcome: the sum over <see cref="Contributors"/> and nothing per site. <see cref="DroppedAfterSharing"/> had
/// their masks removed from the shares; <see cref="LeftOut"/> dropped before sharing and are in no mask at all.
/// </summary>
public sealed record AggregationResult(
    long[] Sum,
    IReadOnlyList<string> Contributors,
    IReadOnlyList<string> DroppedAfterSharing,
    IReadOnlyList<string> LeftOut);
