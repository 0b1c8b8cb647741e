using System.Security.Cryptography;
using System.Text;
using Partages.Evaluation;

namespace Partages.Evaluation.Tests.Bundles;

public sealed class BundleSigningTests
{
    private static readonly string s_bundle = ContentHash.Of("a model bundle"u8);
    private static readonly string s_otherBundle = ContentHash.Of("the same bundle, changed after signing"u8);

    [Test]
    public void Sign_ThenVerify_WithTheSignersPublicKey_IsValid()
    {
        using var key = BundleSigning.CreateKey();

        var signature = BundleSigning.Sign(s_bundle, key);

        signature.Algorithm.Should().Be("ecdsa-p256-sha256");
        signature.BundleSha256.Should().Be(s_bundle);
        signature.Signature.Should().HaveCount(64, "IEEE P1363: r and s, 32 bytes each");
        BundleSigning.Verify(s_bundle, signature, key.ExportSubjectPublicKeyInfoPem()).Should().BeTrue();
    }

    [Test]
    public void Verify_BundleChangedAfterSigning_IsInvalid()
    {
        using var key = BundleSigning.CreateKey();
        var signature = BundleSigning.Sign(s_bundle, key);

        BundleSigning.Verify(s_otherBundle, signature, key.ExportSubjectPublicKeyInfoPem()).Should().BeFalse();
    }

    [Test]
    public void Verify_AnotherKey_IsInvalid()
    {
        using var signer = BundleSigning.CreateKey();
        using var other = BundleSigning.CreateKey();
        var signature = BundleSigning.Sign(s_bundle, signer);

        BundleSigning.Verify(s_bundle, signature, other.ExportSubjectPublicKeyInfoPem()).Should().BeFalse();
        // Even when the signature claims the other key's id, it is not that key's signature.
        BundleSigning.Verify(s_bundle, signature with { KeyId = BundleSigning.KeyIdOf(other) }, other.ExportSubjectPublicKeyInfoPem()).Should().BeFalse();
    }

    [Test]
    public void Verify_OneBitFlippedInTheSignature_IsInvalid()
    {
        using var key = BundleSigning.CreateKey();
        var signature = BundleSigning.Sign(s_bundle, key);
        var flipped = signature.Signature.ToArray();
        flipped[10] ^= 0x01;

        BundleSigning.Verify(s_bundle, signature with { Signature = flipped }, key.ExportSubjectPublicKeyInfoPem()).Should().BeFalse();
    }

    [Test]
    public void Verify_SignatureOverTheRawHashWithoutTheDomainPrefix_IsInvalid()
    {
        using var key = BundleSigning.CreateKey();
        var raw = key.SignData(Encoding.UTF8.GetBytes(s_bundle), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var signature = new DetachedSignature(BundleSigning.Algorithm, BundleSigning.KeyIdOf(key), s_bundle, raw);

        BundleSigning.Verify(s_bundle, signature, key.ExportSubjectPublicKeyInfoPem()).Should().BeFalse();
    }

    [Test]
    public void SignedMessage_IsThePrefixAndTheHexHash()
    {
        Encoding.UTF8.GetString(BundleSigning.SignedMessage(s_bundle)).Should().Be("partages-bundle-v1:" + s_bundle);
    }

    [Test]
    public void KeyIdOf_IsTheSha256OfTheSubjectPublicKeyInfoDer()
    {
        using var key = BundleSigning.CreateKey();

        BundleSigning.KeyIdOf(key).Should().Be(Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo())));
        BundleSigning.KeyIdOfPem(key.ExportSubjectPublicKeyInfoPem()).Should().Be(BundleSigning.KeyIdOf(key));
    }

    [Test]
    public void Sign_P384Key_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var act = () => BundleSigning.Sign(s_bundle, key);

        act.Should().Throw<ArgumentException>().WithMessage("*P-256*");
    }

    [Test]
    public void TryImportPublicKey_NotAP256Key_IsNull()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);

        BundleSigning.TryImportPublicKey(p384.ExportSubjectPublicKeyInfoPem()).Should().BeNull();
        BundleSigning.TryImportPublicKey(rsa.ExportSubjectPublicKeyInfoPem()).Should().BeNull();
        BundleSigning.TryImportPublicKey("not a key").Should().BeNull();
    }

    [Test]
    public void SignatureFile_RoundTrips_WithSnakeCaseFieldsAndBase64()
    {
        using var key = BundleSigning.CreateKey();
        var signature = BundleSigning.Sign(s_bundle, key);

        var json = signature.ToJson();
        var read = DetachedSignature.FromJson(json);

        json.Should().Contain("\"algorithm\"").And.Contain("\"key_id\"").And.Contain("\"bundle_sha256\"").And.Contain("\"signature\"");
        // Compare the decoded value: the JSON writer may escape '+' in base64 as \u002B, which is the same string.
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("signature").GetString()
            .Should().Be(Convert.ToBase64String(signature.Signature));
        read.Should().BeEquivalentTo(signature);
        BundleSigning.Verify(s_bundle, read, key.ExportSubjectPublicKeyInfoPem()).Should().BeTrue();
    }

    [Test]
    public void FromJson_Malformed_ListsEveryError()
    {
        const string json = """{"algorithm":"rsa","key_id":"xyz","bundle_sha256":"","signature":"%%%"}""";

        var act = () => DetachedSignature.FromJson(json);

        act.Should().Throw<InvalidDataException>()
            .Which.Message.Should().Contain("algorithm").And.Contain("key_id").And.Contain("bundle_sha256").And.Contain("signature");
    }
}
