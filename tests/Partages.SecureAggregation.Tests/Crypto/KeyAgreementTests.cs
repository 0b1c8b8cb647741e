using System.Security.Cryptography;
using Partages.SecureAggregation.Crypto;

namespace Partages.SecureAggregation.Tests.Crypto;

public sealed class KeyAgreementTests
{
    [Test]
    public void DeriveKey_BothSidesOfAPair_GetTheSameKey()
    {
        using var a = KeyAgreement.CreateEphemeral();
        using var b = KeyAgreement.CreateEphemeral();
        using var aPublic = KeyAgreement.ImportPublicKey(a.ExportSubjectPublicKeyInfo(), "a");
        using var bPublic = KeyAgreement.ImportPublicKey(b.ExportSubjectPublicKeyInfo(), "b");
        var context = RandomNumberGenerator.GetBytes(32);

        var fromA = KeyAgreement.DeriveKey(a, bPublic, context, "pairwise-mask", "a", "b");
        var fromB = KeyAgreement.DeriveKey(b, aPublic, context, "pairwise-mask", "b", "a");

        fromA.Should().Equal(fromB).And.HaveCount(32);
    }

    [Test]
    public void DeriveKey_OtherContextOrPurpose_GivesAnotherKey()
    {
        using var a = KeyAgreement.CreateEphemeral();
        using var bPublic = KeyAgreement.ImportPublicKey(KeyAgreement.CreateEphemeral().ExportSubjectPublicKeyInfo(), "b");
        var context = RandomNumberGenerator.GetBytes(32);

        var key = KeyAgreement.DeriveKey(a, bPublic, context, "pairwise-mask", "a", "b");

        KeyAgreement.DeriveKey(a, bPublic, RandomNumberGenerator.GetBytes(32), "pairwise-mask", "a", "b").Should().NotEqual(key);
        KeyAgreement.DeriveKey(a, bPublic, context, "share-encryption", "a", "b").Should().NotEqual(key);
    }

    [Test]
    public void ImportPrivateScalar_ExportedScalar_RebuildsTheSameKey()
    {
        using var key = KeyAgreement.CreateEphemeral();
        var publicKey = key.ExportSubjectPublicKeyInfo();

        using var rebuilt = KeyAgreement.ImportPrivateScalar(KeyAgreement.ExportPrivateScalar(key), publicKey, "a");

        rebuilt.ExportSubjectPublicKeyInfo().Should().Equal(publicKey);
    }

    [Test]
    public void ImportPrivateScalar_ScalarOfAnotherKey_Refused()
    {
        using var key = KeyAgreement.CreateEphemeral();
        using var other = KeyAgreement.CreateEphemeral();

        var act = () => KeyAgreement.ImportPrivateScalar(KeyAgreement.ExportPrivateScalar(other), key.ExportSubjectPublicKeyInfo(), "node-a");

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed).WithMessage("*node-a*share was wrong*");
    }

    [Test]
    public void ImportPublicKey_OtherCurveOrGarbage_Refused()
    {
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);

        var otherCurve = () => KeyAgreement.ImportPublicKey(p384.ExportSubjectPublicKeyInfo(), "x");
        var garbage = () => KeyAgreement.ImportPublicKey(new byte[] { 1, 2, 3 }, "x");

        otherCurve.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed);
        garbage.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed);
    }
}
