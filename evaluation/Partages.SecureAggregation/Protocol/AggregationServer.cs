using System.Security.Cryptography;
using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Ring;
using Partages.SecureAggregation.Sharing;

namespace Partages.SecureAggregation.Protocol;

/// <summary>
/// The coordinator's side of a secure sum: it collects and relays each round's messages, and at the end rebuilds the
/// survivors' self masks and the dropped members' masking keys from the shares to unmask the sum. A bad message is
/// refused (<see cref="SecureAggregationException"/>) and the round goes on; a round that cannot close with t members
/// fails the session, and no partial sum is ever computed. Masked vectors are dropped once the sum is known.
/// </summary>
public sealed class AggregationServer
{
    private readonly SessionParameters _parameters;
    private readonly byte[] _context;
    private readonly Dictionary<string, KeyAdvertisement> _advertisements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShareBundle> _bundles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MaskedInput> _masked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsistencySignature> _signatures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UnmaskingResponse> _responses = new(StringComparer.Ordinal);
    private Dictionary<string, int> _points = new(StringComparer.Ordinal);
    private HashSet<string> _sharers = new(StringComparer.Ordinal);
    private HashSet<string> _survivors = new(StringComparer.Ordinal);
    private byte[] _survivorStatement = [];

    public AggregationServer(SessionParameters parameters)
    {
        var errors = parameters.Validate();
        if (errors.Count > 0)
        {
            throw new SecureAggregationException(RefusalCode.UnsafeParameters, $"Secure aggregation parameters refused: {string.Join(" ", errors)}");
        }
        _parameters = parameters;
        _context = parameters.Context();
    }

    /// <summary>The rounds, in order; <see cref="Failed"/> is final.</summary>
    public enum ServerRound { AdvertiseKeys, ShareKeys, MaskedInput, ConsistencyCheck, Unmasking, Done, Failed }

    public ServerRound Round { get; private set; } = ServerRound.AdvertiseKeys;

    /// <summary>Why the session failed, when it did.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Round 0: one advertisement per node, signed by the long-term key it carries, with well-formed P-256 keys.</summary>
    public void Accept(KeyAdvertisement advertisement)
    {
        Expect(ServerRound.AdvertiseKeys);
        if (string.IsNullOrWhiteSpace(advertisement.NodeId))
        {
            throw Refuse(RefusalCode.Malformed, "an advertisement without a node id");
        }
        if (_advertisements.ContainsKey(advertisement.NodeId))
        {
            throw Refuse(RefusalCode.Duplicate, $"a second advertisement from '{advertisement.NodeId}'");
        }
        var statement = Masks.AdvertisementStatement(_context, advertisement.NodeId, advertisement.EncryptionPublicKey, advertisement.MaskingPublicKey);
        if (!AggregationIdentity.Verify(advertisement.LongTermPublicKey, statement, advertisement.Signature))
        {
            throw Refuse(RefusalCode.BadSignature, $"the advertisement of '{advertisement.NodeId}' is not signed by the aggregation key it carries");
        }
        KeyAgreement.ImportPublicKey(advertisement.EncryptionPublicKey, advertisement.NodeId).Dispose();
        KeyAgreement.ImportPublicKey(advertisement.MaskingPublicKey, advertisement.NodeId).Dispose();
        _advertisements.Add(advertisement.NodeId, advertisement);
    }

    /// <summary>Ends round 0: the advertisers are the cohort U1 (at least t), sent to every member.</summary>
    public KeyRoster CloseAdvertising()
    {
        Expect(ServerRound.AdvertiseKeys);
        RequireThreshold(_advertisements.Count, "members advertised keys");
        _points = Masks.Points(_advertisements.Keys);
        Round = ServerRound.ShareKeys;
        return new KeyRoster(_advertisements.Values.OrderBy(a => a.NodeId, StringComparer.Ordinal).ToList());
    }

    /// <summary>Round 1: one bundle per cohort member, exactly one share for every other member.</summary>
    public void Accept(ShareBundle bundle)
    {
        Expect(ServerRound.ShareKeys);
        RequireMember(_advertisements.ContainsKey(bundle.Sender), bundle.Sender, "is not in the cohort");
        if (_bundles.ContainsKey(bundle.Sender))
        {
            throw Refuse(RefusalCode.Duplicate, $"a second share bundle from '{bundle.Sender}'");
        }
        var recipients = new HashSet<string>(StringComparer.Ordinal);
        foreach (var share in bundle.Shares)
        {
            if (share.Sender != bundle.Sender || share.Recipient == bundle.Sender || !_advertisements.ContainsKey(share.Recipient))
            {
                throw Refuse(RefusalCode.OutsideCohort, $"the bundle of '{bundle.Sender}' holds a share from '{share.Sender}' to '{share.Recipient}'");
            }
            if (!recipients.Add(share.Recipient))
            {
                throw Refuse(RefusalCode.Duplicate, $"the bundle of '{bundle.Sender}' holds two shares for '{share.Recipient}'");
            }
            if (share.Ciphertext.Length != ShareEnvelope.CiphertextBytes)
            {
                throw Refuse(RefusalCode.Malformed, $"the share from '{bundle.Sender}' to '{share.Recipient}' is {share.Ciphertext.Length} bytes, not {ShareEnvelope.CiphertextBytes}");
            }
        }
        if (recipients.Count != _advertisements.Count - 1)
        {
            throw Refuse(RefusalCode.WrongShape, $"the bundle of '{bundle.Sender}' has shares for {recipients.Count} members, the cohort has {_advertisements.Count - 1} others");
        }
        _bundles.Add(bundle.Sender, bundle);
    }

    /// <summary>Ends round 1: the senders are U2 (at least t); each receives the shares the other senders addressed to it.</summary>
    public IReadOnlyDictionary<string, ShareDelivery> CloseSharing()
    {
        Expect(ServerRound.ShareKeys);
        RequireThreshold(_bundles.Count, "members shared their keys");
        _sharers = _bundles.Keys.ToHashSet(StringComparer.Ordinal);
        Round = ServerRound.MaskedInput;
        // One pass over the n(n − 1) shares: a search of every bundle for each recipient was cubic (8·10⁶ comparisons
        // under the session's lock at 200 nodes). A share for a member that advertised but did not share is not relayed.
        var byRecipient = _sharers.ToDictionary(r => r, _ => new List<EncryptedShare>(_sharers.Count - 1), StringComparer.Ordinal);
        foreach (var bundle in _bundles.Values.OrderBy(b => b.Sender, StringComparer.Ordinal))
        {
            foreach (var share in bundle.Shares)
            {
                if (byRecipient.TryGetValue(share.Recipient, out var delivery))
                {
                    delivery.Add(share);
                }
            }
        }
        return byRecipient.ToDictionary(d => d.Key, d => new ShareDelivery(d.Key, d.Value), StringComparer.Ordinal);
    }

    /// <summary>Round 2: one masked vector per member of U2, of the session's length and ring.</summary>
    public void Accept(MaskedInput input)
    {
        Expect(ServerRound.MaskedInput);
        RequireMember(_sharers.Contains(input.Sender), input.Sender, "did not share its keys");
        if (_masked.ContainsKey(input.Sender))
        {
            throw Refuse(RefusalCode.Duplicate, $"a second masked vector from '{input.Sender}'");
        }
        if (input.RingBits != RingVector.RingBits)
        {
            throw Refuse(RefusalCode.WrongShape, $"the masked vector of '{input.Sender}' is in Z/2^{input.RingBits}, the session uses Z/2^{RingVector.RingBits}");
        }
        if (input.Vector.Length != _parameters.VectorLength)
        {
            throw Refuse(RefusalCode.WrongShape, $"the masked vector of '{input.Sender}' has {input.Vector.Length} elements, the session expects {_parameters.VectorLength}");
        }
        _masked.Add(input.Sender, input);
    }

    /// <summary>Ends round 2: the senders of masked vectors are the survivors U3 (at least t).</summary>
    public SurvivorList CloseMasking()
    {
        Expect(ServerRound.MaskedInput);
        RequireThreshold(_masked.Count, "members sent masked vectors");
        _survivors = _masked.Keys.ToHashSet(StringComparer.Ordinal);
        _survivorStatement = Masks.SurvivorStatement(_context, _survivors);
        Round = ServerRound.ConsistencyCheck;
        return new SurvivorList(_survivors.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>Round 3: a survivor's signature over the survivor list, checked against its long-term key.</summary>
    public void Accept(ConsistencySignature signature)
    {
        Expect(ServerRound.ConsistencyCheck);
        RequireMember(_survivors.Contains(signature.Sender), signature.Sender, "is not a survivor");
        if (_signatures.ContainsKey(signature.Sender))
        {
            throw Refuse(RefusalCode.Duplicate, $"a second consistency signature from '{signature.Sender}'");
        }
        if (!AggregationIdentity.Verify(_advertisements[signature.Sender].LongTermPublicKey, _survivorStatement, signature.Signature))
        {
            throw Refuse(RefusalCode.BadSignature, $"the consistency signature of '{signature.Sender}' does not verify over the survivor list");
        }
        _signatures.Add(signature.Sender, signature);
    }

    /// <summary>Ends round 3 (at least t signatures): asks for b of every survivor and s of every member that dropped after sharing.</summary>
    public UnmaskingRequest CloseConsistencyCheck()
    {
        Expect(ServerRound.ConsistencyCheck);
        RequireThreshold(_signatures.Count, "survivors confirmed the survivor list");
        Round = ServerRound.Unmasking;
        return new UnmaskingRequest(
            _signatures.Values.OrderBy(s => s.Sender, StringComparer.Ordinal).ToList(),
            _survivors.Order(StringComparer.Ordinal).ToList(),
            _sharers.Except(_survivors).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>Round 4: a confirmed survivor's shares, exactly one per requested secret, each at the sender's own point.</summary>
    public void Accept(UnmaskingResponse response)
    {
        Expect(ServerRound.Unmasking);
        RequireMember(_signatures.ContainsKey(response.Sender), response.Sender, "did not confirm the survivor list");
        if (_responses.ContainsKey(response.Sender))
        {
            throw Refuse(RefusalCode.Duplicate, $"a second unmasking response from '{response.Sender}'");
        }
        var point = _points[response.Sender];
        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var share in response.Shares)
        {
            var expected = _survivors.Contains(share.Owner) ? ShareKind.SelfMask : ShareKind.MaskingKey;
            if (!_sharers.Contains(share.Owner) || share.Kind != expected)
            {
                throw Refuse(RefusalCode.OutsideCohort, $"'{response.Sender}' sent a {share.Kind} share of '{share.Owner}', which was not asked for");
            }
            if (share.X != point)
            {
                throw Refuse(RefusalCode.OutsideCohort, $"'{response.Sender}' sent a share at point {share.X}, its own point is {point}");
            }
            if (!owners.Add(share.Owner))
            {
                throw Refuse(RefusalCode.Duplicate, $"'{response.Sender}' sent two shares of '{share.Owner}'");
            }
            if (share.Value.Length != Shamir.ValueBytes)
            {
                throw Refuse(RefusalCode.Malformed, $"'{response.Sender}' sent a share of '{share.Owner}' of {share.Value.Length} bytes");
            }
        }
        if (owners.Count != _sharers.Count)
        {
            throw Refuse(RefusalCode.WrongShape, $"'{response.Sender}' sent shares of {owners.Count} members, {_sharers.Count} were asked for");
        }
        _responses.Add(response.Sender, response);
    }

    /// <summary>
    /// Ends the session: with at least t responses, rebuilds every survivor's self mask and every dropped member's
    /// masking key, removes them, and returns the decoded sum. Any failure fails the session with no sum at all.
    /// </summary>
    public AggregationResult Finish()
    {
        Expect(ServerRound.Unmasking);
        RequireThreshold(_responses.Count, "survivors sent their shares");
        try
        {
            var sum = Unmask();
            var result = new AggregationResult(
                sum,
                _survivors.Order(StringComparer.Ordinal).ToList(),
                _sharers.Except(_survivors).Order(StringComparer.Ordinal).ToList(),
                _advertisements.Keys.Except(_sharers).Order(StringComparer.Ordinal).ToList());
            Round = ServerRound.Done;
            return result;
        }
        catch (SecureAggregationException ex)
        {
            Fail(ex.Message);
            throw;
        }
        finally
        {
            // Masked vectors and shares serve this sum only; they are not kept once it is known (or has failed).
            _masked.Clear();
            _responses.Clear();
        }
    }

    private long[] Unmask()
    {
        var combiner = new ShamirCombiner();
        var allowed = _responses.Keys.Select(s => _points[s]).ToHashSet();
        var length = _parameters.VectorLength;
        var total = new ulong[length];
        var shares = SharesByOwner();
        foreach (var input in _masked.Values)
        {
            RingVector.AddInPlace(total, input.Vector);
        }
        foreach (var survivor in _survivors)
        {
            var seed = combiner.Combine(shares[survivor], _parameters.Threshold, allowed, survivor);
            RingVector.SubtractInPlace(total, Masks.SelfMask(seed, length));
            CryptographicOperations.ZeroMemory(seed);
        }
        var survivorKeys = _survivors.ToDictionary(
            s => s, s => KeyAgreement.ImportPublicKey(_advertisements[s].MaskingPublicKey, s), StringComparer.Ordinal);
        try
        {
            foreach (var dropped in _sharers.Except(_survivors))
            {
                var scalar = combiner.Combine(shares[dropped], _parameters.Threshold, allowed, dropped);
                using var key = KeyAgreement.ImportPrivateScalar(scalar, _advertisements[dropped].MaskingPublicKey, dropped);
                CryptographicOperations.ZeroMemory(scalar);
                // Each survivor u added sign(u, v)·PRG(s_uv) for the dropped v; removing it is adding v's own signed mask.
                foreach (var (survivor, survivorKey) in survivorKeys)
                {
                    Masks.ApplyPairwise(total, key, survivorKey, _context, dropped, survivor, negate: false);
                }
            }
        }
        finally
        {
            foreach (var key in survivorKeys.Values)
            {
                key.Dispose();
            }
        }
        return RingVector.Decode(total);
    }

    /// <summary>Every responder's share, grouped by owner in one pass (a lookup per owner and responder is cubic at 200 nodes).</summary>
    private Dictionary<string, List<ShamirShare>> SharesByOwner()
    {
        var byOwner = _sharers.ToDictionary(owner => owner, _ => new List<ShamirShare>(_responses.Count), StringComparer.Ordinal);
        foreach (var share in _responses.Values.SelectMany(r => r.Shares))
        {
            byOwner[share.Owner].Add(new ShamirShare(share.X, share.Value));
        }
        return byOwner;
    }

    private void Expect(ServerRound round)
    {
        if (Round == ServerRound.Failed)
        {
            throw new SecureAggregationException(RefusalCode.SessionFailed, $"The secure aggregation session failed: {FailureReason}");
        }
        if (Round != round)
        {
            throw new SecureAggregationException(RefusalCode.WrongRound, $"A message of round {round} arrived during round {Round}: refused.");
        }
    }

    private void RequireThreshold(int count, string what)
    {
        if (count < _parameters.Threshold)
        {
            var reason = $"only {count} {what}, the threshold is {_parameters.Threshold}; no sum is revealed";
            Fail(reason);
            throw new SecureAggregationException(RefusalCode.TooFewMembers, $"The secure aggregation session failed: {reason}.");
        }
    }

    private static void RequireMember(bool isMember, string sender, string why)
    {
        if (!isMember)
        {
            throw new SecureAggregationException(RefusalCode.OutsideCohort, $"Message from '{sender}' refused: it {why}.");
        }
    }

    private void Fail(string reason)
    {
        Round = ServerRound.Failed;
        FailureReason = reason;
        _masked.Clear();
        _responses.Clear();
    }

    private static SecureAggregationException Refuse(RefusalCode code, string reason) => new(code, $"Message refused: {reason}.");
}
