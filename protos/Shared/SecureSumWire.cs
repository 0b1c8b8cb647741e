using Google.Protobuf;
using Partages.SecureAggregation;
using Partages.SecureAggregation.Protocol;

namespace Partages.Contracts.V1;

/// <summary>
/// The secure aggregation rounds (Partages.SecureAggregation's records) to and from their protobuf messages
/// (secure_aggregation.proto), field for field, so the node and the coordinator map them the same way.
/// </summary>
public static class SecureSumWire
{
    /// <summary>The google.rpc.ErrorInfo domain of every secure aggregation refusal.</summary>
    public const string ErrorDomain = "partages.secagg";

    /// <summary>A refusal code as it travels (ErrorInfo.reason): WRONG_SHAPE, UNKNOWN_PEER, …</summary>
    public static string CodeName(RefusalCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));

    public static SessionParameters ToParameters(this SecureSumParameters message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new SessionParameters(message.SessionId, message.VectorLength, message.Threshold);
    }

    public static KeyAdvertisementMessage ToMessage(this KeyAdvertisement advertisement)
    {
        ArgumentNullException.ThrowIfNull(advertisement);
        return new KeyAdvertisementMessage
        {
            NodeId = advertisement.NodeId,
            LongTermPublicKey = ByteString.CopyFrom(advertisement.LongTermPublicKey),
            EncryptionPublicKey = ByteString.CopyFrom(advertisement.EncryptionPublicKey),
            MaskingPublicKey = ByteString.CopyFrom(advertisement.MaskingPublicKey),
            Signature = ByteString.CopyFrom(advertisement.Signature),
        };
    }

    public static KeyAdvertisement ToRecord(this KeyAdvertisementMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new KeyAdvertisement(
            message.NodeId,
            message.LongTermPublicKey.ToByteArray(),
            message.EncryptionPublicKey.ToByteArray(),
            message.MaskingPublicKey.ToByteArray(),
            message.Signature.ToByteArray());
    }

    public static KeyRosterMessage ToMessage(this KeyRoster roster)
    {
        ArgumentNullException.ThrowIfNull(roster);
        var message = new KeyRosterMessage();
        message.Members.AddRange(roster.Members.Select(m => m.ToMessage()));
        return message;
    }

    public static KeyRoster ToRecord(this KeyRosterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new KeyRoster([.. message.Members.Select(m => m.ToRecord())]);
    }

    public static EncryptedShareMessage ToMessage(this EncryptedShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        return new EncryptedShareMessage { Sender = share.Sender, Recipient = share.Recipient, Ciphertext = ByteString.CopyFrom(share.Ciphertext) };
    }

    public static EncryptedShare ToRecord(this EncryptedShareMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new EncryptedShare(message.Sender, message.Recipient, message.Ciphertext.ToByteArray());
    }

    public static ShareDeliveryMessage ToMessage(this ShareDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var message = new ShareDeliveryMessage { Recipient = delivery.Recipient };
        message.Shares.AddRange(delivery.Shares.Select(s => s.ToMessage()));
        return message;
    }

    public static ShareDelivery ToRecord(this ShareDeliveryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new ShareDelivery(message.Recipient, [.. message.Shares.Select(s => s.ToRecord())]);
    }

    public static SurvivorListMessage ToMessage(this SurvivorList survivors)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        var message = new SurvivorListMessage();
        message.Survivors.AddRange(survivors.Survivors);
        return message;
    }

    public static SurvivorList ToRecord(this SurvivorListMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new SurvivorList([.. message.Survivors]);
    }

    public static UnmaskingRequestMessage ToMessage(this Partages.SecureAggregation.Protocol.UnmaskingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = new UnmaskingRequestMessage();
        message.Signatures.AddRange(request.Signatures.Select(s => new ConsistencySignatureMessage { Sender = s.Sender, Signature = ByteString.CopyFrom(s.Signature) }));
        message.SelfMaskSharesOf.AddRange(request.SelfMaskSharesOf);
        message.MaskingKeySharesOf.AddRange(request.MaskingKeySharesOf);
        return message;
    }

    public static Partages.SecureAggregation.Protocol.UnmaskingRequest ToRecord(this UnmaskingRequestMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new Partages.SecureAggregation.Protocol.UnmaskingRequest(
            [.. message.Signatures.Select(s => new ConsistencySignature(s.Sender, s.Signature.ToByteArray()))],
            [.. message.SelfMaskSharesOf],
            [.. message.MaskingKeySharesOf]);
    }

    public static RevealedShareMessage ToMessage(this RevealedShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        return new RevealedShareMessage { Owner = share.Owner, SelfMask = share.Kind == ShareKind.SelfMask, X = share.X, Value = ByteString.CopyFrom(share.Value) };
    }

    public static RevealedShare ToRecord(this RevealedShareMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new RevealedShare(message.Owner, message.SelfMask ? ShareKind.SelfMask : ShareKind.MaskingKey, message.X, message.Value.ToByteArray());
    }
}
