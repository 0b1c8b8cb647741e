using System.Security.Cryptography;
using Partages.SecureAggregation.Crypto;

namespace Partages.SecureAggregation.Tests.Crypto;

public sealed class AggregationIdentityTests
{
    [Test]
    public void Verify_OwnSignature_True()
    {
        using var identity = AggregationIdentity.Create();
        var message = RandomNumberGenerator.GetBytes(40);

        AggregationIdentity.Verify(identity.PublicKey, message, identity.Sign(message)).Should().BeTrue();
    }

    [Test]
    public void Verify_AlteredMessageOrOtherKeyOrGarbage_False()
    {
        using var identity = AggregationIdentity.Create();
        using var other = AggregationIdentity.Create();
        var message = RandomNumberGenerator.GetBytes(40);
        var signature = identity.Sign(message);
        var altered = (byte[])message.Clone();
        altered[0] ^= 1;

        AggregationIdentity.Verify(identity.PublicKey, altered, signature).Should().BeFalse();
        AggregationIdentity.Verify(other.PublicKey, message, signature).Should().BeFalse();
        AggregationIdentity.Verify([1, 2, 3], message, signature).Should().BeFalse();
    }

    [Test]
    public void Pin_IsSha256OfSubjectPublicKeyInfo()
    {
        using var identity = AggregationIdentity.Create();

        identity.Pin.Should().Be(Convert.ToHexStringLower(SHA256.HashData(identity.PublicKey)));
        PeerPin.Matches(identity.Pin.ToUpperInvariant(), identity.PublicKey).Should().BeTrue();
        using var other = AggregationIdentity.Create();
        PeerPin.Matches(identity.Pin, other.PublicKey).Should().BeFalse();
    }

    [Test]
    public void FromPkcs8_ExportedKey_KeepsThePin()
    {
        using var identity = AggregationIdentity.Create();

        using var reloaded = AggregationIdentity.FromPkcs8(identity.ExportPkcs8());

        reloaded.Pin.Should().Be(identity.Pin);
    }
}
