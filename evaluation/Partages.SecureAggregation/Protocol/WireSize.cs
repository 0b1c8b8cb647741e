using System.Text;

namespace Partages.SecureAggregation.Protocol;

/// <summary>
/// The bytes each message will take as protobuf once it is mapped (a later round): every field as tag + length +
/// content, the masked vector as packed fixed64. Used to state the per-node traffic of secure aggregation.
/// </summary>
public static class WireSize
{
    public static long Of(KeyAdvertisement m) =>
        Field(m.NodeId) + Field(m.LongTermPublicKey) + Field(m.EncryptionPublicKey) + Field(m.MaskingPublicKey) + Field(m.Signature);

    public static long Of(KeyRoster m) => m.Members.Sum(a => Nested(Of(a)));

    public static long Of(EncryptedShare m) => Field(m.Sender) + Field(m.Recipient) + Field(m.Ciphertext);

    public static long Of(ShareBundle m) => Field(m.Sender) + m.Shares.Sum(s => Nested(Of(s)));

    public static long Of(ShareDelivery m) => Field(m.Recipient) + m.Shares.Sum(s => Nested(Of(s)));

    public static long Of(MaskedInput m) => Field(m.Sender) + 2 + Nested(8L * m.Vector.Length);

    public static long Of(SurvivorList m) => m.Survivors.Sum(Field);

    public static long Of(ConsistencySignature m) => Field(m.Sender) + Field(m.Signature);

    public static long Of(UnmaskingRequest m) =>
        m.Signatures.Sum(s => Nested(Of(s))) + m.SelfMaskSharesOf.Sum(Field) + m.MaskingKeySharesOf.Sum(Field);

    public static long Of(UnmaskingResponse m) =>
        Field(m.Sender) + m.Shares.Sum(s => Nested(Field(s.Owner) + 2 + 2 + Field(s.Value)));

    private static long Field(string value) => Nested(Encoding.UTF8.GetByteCount(value));

    private static long Field(byte[] value) => Nested(value.Length);

    /// <summary>One tag byte, the length as a varint, then the content.</summary>
    private static long Nested(long length) => 1 + VarintBytes(length) + length;

    private static int VarintBytes(long value)
    {
        var bytes = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            bytes++;
        }
        return bytes;
    }
}
