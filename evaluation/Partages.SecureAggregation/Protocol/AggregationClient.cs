using System.Security.Cryptography;
using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Ring;
using Partages.SecureAggregation.Sharing;

namespace Partages.SecureAggregation.Protocol;

/// <summary>
/// One node's side of a secure sum, as a state machine: advertise keys → share keys → masked input → consistency
/// check → unmasking. Each method accepts only the coordinator message of its round; any bad input throws
/// <see cref="SecureAggregationException"/> with the reason and leaves the client failed (a node never continues a
/// session it has doubts about; the sum simply goes on without it, or fails).
/// </summary>
public sealed class AggregationClient : IDisposable
{
    private readonly SessionParameters _parameters;
    private readonly byte[] _context;
    private readonly AggregationIdentity _identity;
    private readonly AggregationPolicy _policy;
    private readonly ECDiffieHellman _encryptionKey = KeyAgreement.CreateEphemeral();
    private readonly ECDiffieHellman _maskingKey = KeyAgreement.CreateEphemeral();
    private readonly Dictionary<string, ECDiffieHellman> _peerEncryptionKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ECDiffieHellman> _peerMaskingKeys = new(StringComparer.Ordinal);
    // Shares this node holds, per owner (itself included): (share of s_owner, share of b_owner).
    private readonly Dictionary<string, (ShamirShare MaskingKey, ShamirShare SelfMask)> _heldShares = new(StringComparer.Ordinal);
    private Dictionary<string, KeyAdvertisement> _cohort = new(StringComparer.Ordinal);
    private Dictionary<string, int> _points = new(StringComparer.Ordinal);
    private HashSet<string> _sharers = new(StringComparer.Ordinal);
    private HashSet<string> _survivors = new(StringComparer.Ordinal);
    private byte[]? _selfMaskSeed;
    private ClientRound _round = ClientRound.AdvertiseKeys;

    public AggregationClient(string nodeId, SessionParameters parameters, AggregationIdentity identity, AggregationPolicy policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        var errors = parameters.Validate().Concat(policy.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new SecureAggregationException(RefusalCode.UnsafeParameters, $"Node '{nodeId}' refuses the session: {string.Join(" ", errors)}");
        }
        NodeId = nodeId;
        _parameters = parameters;
        _context = parameters.Context();
        _identity = identity;
        _policy = policy;
    }

    private enum ClientRound { AdvertiseKeys, ShareKeys, MaskedInput, ConsistencyCheck, Unmasking, Done, Failed }

    public string NodeId { get; }

    /// <summary>Round 0: fresh ephemeral keys, signed with the long-term aggregation key.</summary>
    public KeyAdvertisement AdvertiseKeys() => Step(ClientRound.AdvertiseKeys, ClientRound.ShareKeys, () =>
    {
        var encryption = _encryptionKey.ExportSubjectPublicKeyInfo();
        var masking = _maskingKey.ExportSubjectPublicKeyInfo();
        var signature = _identity.Sign(Masks.AdvertisementStatement(_context, NodeId, encryption, masking));
        return new KeyAdvertisement(NodeId, _identity.PublicKey, encryption, masking, signature);
    });

    /// <summary>
    /// Round 1: checks the cohort against the node's policy (every peer pinned, every signature valid, enough members,
    /// a safe threshold), then Shamir-shares s_u and a fresh self-mask seed b_u among the cohort.
    /// </summary>
    public ShareBundle ShareKeys(KeyRoster roster) => Step(ClientRound.ShareKeys, ClientRound.MaskedInput, () =>
    {
        _cohort = CheckRoster(roster);
        _points = Masks.Points(_cohort.Keys);
        _selfMaskSeed = Shamir.RandomElement();
        var order = _points.OrderBy(p => p.Value).Select(p => p.Value).ToList();
        var scalar = KeyAgreement.ExportPrivateScalar(_maskingKey);
        var maskingShares = Shamir.Split(scalar, _parameters.Threshold, order);
        CryptographicOperations.ZeroMemory(scalar);
        var selfMaskShares = Shamir.Split(_selfMaskSeed, _parameters.Threshold, order);
        var bundle = new List<EncryptedShare>(_cohort.Count - 1);
        foreach (var (peer, point) in _points)
        {
            var plaintext = maskingShares[point - 1].Value.Concat(selfMaskShares[point - 1].Value).ToArray();
            if (peer == NodeId)
            {
                _heldShares[peer] = (maskingShares[point - 1], selfMaskShares[point - 1]);
                continue;
            }
            var key = KeyAgreement.DeriveKey(_encryptionKey, _peerEncryptionKeys[peer], _context, Masks.ShareEncryptionPurpose, NodeId, peer);
            bundle.Add(new EncryptedShare(NodeId, peer, ShareEnvelope.Seal(key, _context, NodeId, peer, plaintext)));
            CryptographicOperations.ZeroMemory(plaintext);
        }
        return new ShareBundle(NodeId, bundle);
    });

    /// <summary>
    /// Round 2: decrypts the shares addressed to this node (their senders plus itself are U2), then returns
    /// x_u + PRG(b_u) + Σ ±PRG(s_uv) over U2 in Z/2^64. <paramref name="counts"/> already carries this node's noise share.
    /// </summary>
    public MaskedInput MaskInput(ShareDelivery delivery, ReadOnlySpan<long> counts)
    {
        var input = counts.ToArray();
        return Step(ClientRound.MaskedInput, ClientRound.ConsistencyCheck, () =>
        {
            if (input.Length != _parameters.VectorLength)
            {
                throw Refuse(RefusalCode.WrongShape, $"the vector has {input.Length} counts, the session expects {_parameters.VectorLength}");
            }
            if (delivery.Recipient != NodeId)
            {
                throw Refuse(RefusalCode.OutsideCohort, $"the share delivery is addressed to '{delivery.Recipient}'");
            }
            _sharers = OpenShares(delivery);
            if (_sharers.Count < _parameters.Threshold)
            {
                throw Refuse(RefusalCode.TooFewMembers, $"only {_sharers.Count} members shared their keys, the threshold is {_parameters.Threshold}");
            }
            var vector = RingVector.Encode(input);
            RingVector.AddInPlace(vector, Masks.SelfMask(_selfMaskSeed!, vector.Length));
            foreach (var peer in _sharers.Where(p => p != NodeId))
            {
                Masks.ApplyPairwise(vector, _maskingKey, _peerMaskingKeys[peer], _context, NodeId, peer, negate: false);
            }
            return new MaskedInput(NodeId, RingVector.RingBits, vector);
        });
    }

    /// <summary>Round 3: signs the survivor set (U3) the coordinator announced, after checking it is plausible.</summary>
    public ConsistencySignature CheckConsistency(SurvivorList survivors) => Step(ClientRound.ConsistencyCheck, ClientRound.Unmasking, () =>
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var survivor in survivors.Survivors)
        {
            if (!_sharers.Contains(survivor))
            {
                throw Refuse(RefusalCode.OutsideCohort, $"survivor '{survivor}' did not share its keys in this session");
            }
            if (!set.Add(survivor))
            {
                throw Refuse(RefusalCode.Duplicate, $"survivor '{survivor}' is listed twice");
            }
        }
        if (!set.Contains(NodeId))
        {
            throw Refuse(RefusalCode.OutsideCohort, "the survivor list leaves out this node although it sent its masked vector");
        }
        if (set.Count < _parameters.Threshold)
        {
            throw Refuse(RefusalCode.TooFewMembers, $"only {set.Count} survivors, the threshold is {_parameters.Threshold}");
        }
        _survivors = set;
        return new ConsistencySignature(NodeId, _identity.Sign(Masks.SurvivorStatement(_context, set)));
    });

    /// <summary>
    /// Round 4: checks that at least t survivors signed the same survivor set as this node (so the coordinator showed
    /// everyone the same U3), and that the request asks for b of exactly U3 and s of exactly U2 \ U3; then reveals
    /// those shares. Never both secrets of one node, and only once per session.
    /// </summary>
    public UnmaskingResponse Unmask(UnmaskingRequest request) => Step(ClientRound.Unmasking, ClientRound.Done, () =>
    {
        CheckConsistencySignatures(request.Signatures);
        var selfMask = new HashSet<string>(request.SelfMaskSharesOf, StringComparer.Ordinal);
        var maskingKey = new HashSet<string>(request.MaskingKeySharesOf, StringComparer.Ordinal);
        var both = selfMask.Intersect(maskingKey, StringComparer.Ordinal).ToList();
        if (both.Count > 0)
        {
            throw Refuse(RefusalCode.ForbiddenRequest, $"the coordinator asks for both the self-mask and the masking-key shares of {string.Join(", ", both)}");
        }
        var dropped = _sharers.Except(_survivors).ToHashSet(StringComparer.Ordinal);
        if (!selfMask.SetEquals(_survivors) || selfMask.Count != request.SelfMaskSharesOf.Count)
        {
            throw Refuse(RefusalCode.ForbiddenRequest, "the self-mask shares asked for are not exactly those of the survivors this node signed");
        }
        if (!maskingKey.SetEquals(dropped) || maskingKey.Count != request.MaskingKeySharesOf.Count)
        {
            throw Refuse(RefusalCode.ForbiddenRequest, "the masking-key shares asked for are not exactly those of the members that dropped after sharing");
        }
        var shares = new List<RevealedShare>(_sharers.Count);
        foreach (var owner in _survivors.Order(StringComparer.Ordinal))
        {
            var share = _heldShares[owner].SelfMask;
            shares.Add(new RevealedShare(owner, ShareKind.SelfMask, share.X, share.Value));
        }
        foreach (var owner in dropped.Order(StringComparer.Ordinal))
        {
            var share = _heldShares[owner].MaskingKey;
            shares.Add(new RevealedShare(owner, ShareKind.MaskingKey, share.X, share.Value));
        }
        return new UnmaskingResponse(NodeId, shares);
    });

    public void Dispose()
    {
        _encryptionKey.Dispose();
        _maskingKey.Dispose();
        foreach (var key in _peerEncryptionKeys.Values.Concat(_peerMaskingKeys.Values))
        {
            key.Dispose();
        }
    }

    private Dictionary<string, KeyAdvertisement> CheckRoster(KeyRoster roster)
    {
        var cohort = new Dictionary<string, KeyAdvertisement>(StringComparer.Ordinal);
        foreach (var member in roster.Members)
        {
            if (!cohort.TryAdd(member.NodeId, member))
            {
                throw Refuse(RefusalCode.Duplicate, $"node '{member.NodeId}' appears twice in the cohort");
            }
        }
        if (!cohort.TryGetValue(NodeId, out var own)
            || !own.EncryptionPublicKey.AsSpan().SequenceEqual(_encryptionKey.ExportSubjectPublicKeyInfo())
            || !own.MaskingPublicKey.AsSpan().SequenceEqual(_maskingKey.ExportSubjectPublicKeyInfo()))
        {
            throw Refuse(RefusalCode.Malformed, "the cohort does not carry this node's own keys unchanged");
        }
        if (cohort.Count < _policy.MinimumCohortSize)
        {
            throw Refuse(RefusalCode.TooFewMembers, $"the cohort has {cohort.Count} members, this node's policy requires at least {_policy.MinimumCohortSize}");
        }
        if (!_parameters.IsSafeFor(cohort.Count))
        {
            throw Refuse(RefusalCode.UnsafeParameters, $"threshold {_parameters.Threshold} is not more than half of a cohort of {cohort.Count} (and at most all of it)");
        }
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in cohort.Values.Where(m => m.NodeId != NodeId))
        {
            if (!_policy.PeerPins.TryGetValue(member.NodeId, out var pin))
            {
                throw Refuse(RefusalCode.UnknownPeer, $"peer '{member.NodeId}' is not in this node's list of agreed peers");
            }
            if (!PeerPin.Matches(pin, member.LongTermPublicKey))
            {
                throw Refuse(RefusalCode.BadSignature, $"the aggregation key of peer '{member.NodeId}' does not match the pin in this node's policy");
            }
            var statement = Masks.AdvertisementStatement(_context, member.NodeId, member.EncryptionPublicKey, member.MaskingPublicKey);
            if (!AggregationIdentity.Verify(member.LongTermPublicKey, statement, member.Signature))
            {
                throw Refuse(RefusalCode.BadSignature, $"the signature of peer '{member.NodeId}' over its ephemeral keys does not verify");
            }
            if (!seenKeys.Add(Convert.ToHexString(member.EncryptionPublicKey)) || !seenKeys.Add(Convert.ToHexString(member.MaskingPublicKey)))
            {
                throw Refuse(RefusalCode.Duplicate, $"peer '{member.NodeId}' reuses an ephemeral key");
            }
            _peerEncryptionKeys[member.NodeId] = KeyAgreement.ImportPublicKey(member.EncryptionPublicKey, member.NodeId);
            _peerMaskingKeys[member.NodeId] = KeyAgreement.ImportPublicKey(member.MaskingPublicKey, member.NodeId);
        }
        return cohort;
    }

    private HashSet<string> OpenShares(ShareDelivery delivery)
    {
        var sharers = new HashSet<string>(StringComparer.Ordinal) { NodeId };
        foreach (var share in delivery.Shares)
        {
            if (share.Recipient != NodeId || !_cohort.ContainsKey(share.Sender) || share.Sender == NodeId)
            {
                throw Refuse(RefusalCode.OutsideCohort, $"a share from '{share.Sender}' to '{share.Recipient}' does not belong to this node's cohort");
            }
            if (!sharers.Add(share.Sender))
            {
                throw Refuse(RefusalCode.Duplicate, $"two shares from '{share.Sender}'");
            }
            var key = KeyAgreement.DeriveKey(_encryptionKey, _peerEncryptionKeys[share.Sender], _context, Masks.ShareEncryptionPurpose, NodeId, share.Sender);
            var plaintext = ShareEnvelope.Open(key, _context, share.Sender, NodeId, share.Ciphertext);
            var point = _points[NodeId];
            _heldShares[share.Sender] = (new ShamirShare(point, plaintext[..Shamir.ValueBytes]), new ShamirShare(point, plaintext[Shamir.ValueBytes..]));
        }
        return sharers;
    }

    private void CheckConsistencySignatures(IReadOnlyList<ConsistencySignature> signatures)
    {
        var statement = Masks.SurvivorStatement(_context, _survivors);
        var signers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var signature in signatures)
        {
            if (!_survivors.Contains(signature.Sender))
            {
                throw Refuse(RefusalCode.OutsideCohort, $"a consistency signature from '{signature.Sender}', which is not a survivor");
            }
            if (!signers.Add(signature.Sender))
            {
                throw Refuse(RefusalCode.Duplicate, $"two consistency signatures from '{signature.Sender}'");
            }
            if (!AggregationIdentity.Verify(_cohort[signature.Sender].LongTermPublicKey, statement, signature.Signature))
            {
                throw Refuse(RefusalCode.BadSignature, $"survivor '{signature.Sender}' signed a different survivor list: the coordinator showed the members different dropouts");
            }
        }
        if (signers.Count < _parameters.Threshold)
        {
            throw Refuse(RefusalCode.TooFewMembers, $"only {signers.Count} survivors confirmed the survivor list, the threshold is {_parameters.Threshold}");
        }
    }

    private T Step<T>(ClientRound expected, ClientRound next, Func<T> action)
    {
        if (_round != expected)
        {
            throw _round == ClientRound.Failed
                ? new SecureAggregationException(RefusalCode.SessionFailed, $"Node '{NodeId}' already refused this session.")
                : new SecureAggregationException(RefusalCode.WrongRound, $"Node '{NodeId}' is in round {_round}, not {expected}: message refused.");
        }
        try
        {
            var result = action();
            _round = next;
            return result;
        }
        catch (SecureAggregationException)
        {
            _round = ClientRound.Failed;
            throw;
        }
    }

    private SecureAggregationException Refuse(RefusalCode code, string reason) =>
        new(code, $"Node '{NodeId}' refuses the session: {reason}.");
}
