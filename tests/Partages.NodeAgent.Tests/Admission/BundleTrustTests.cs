namespace Partages.NodeAgent.Tests.Admission;

public sealed class BundleTrustTests
{
    private static readonly string s_bundle = ContentHash.Of("bundle bytes"u8);

    [Test]
    public void Decide_UnsignedBundle_RefusedAsUnsigned()
    {
        using var key = BundleSigning.CreateKey();

        var decision = BundleTrust.Decide(s_bundle, signature: null, Trusting(key));

        decision.Trusted.Should().BeNull();
        decision.RefusalReason.Should().Contain("unsigned").And.Contain(s_bundle);
    }

    [Test]
    public void Decide_EmptySignatureMessage_RefusedAsUnsigned()
    {
        using var key = BundleSigning.CreateKey();

        var decision = BundleTrust.Decide(s_bundle, new BundleSignature(), Trusting(key));

        decision.RefusalReason.Should().Contain("unsigned");
    }

    [Test]
    public void Decide_SignedByAnUnknownKey_RefusedNamingTheKeyId()
    {
        using var trusted = BundleSigning.CreateKey();
        using var stranger = BundleSigning.CreateKey();

        var decision = BundleTrust.Decide(s_bundle, Wire(BundleSigning.Sign(s_bundle, stranger)), Trusting(trusted));

        decision.Trusted.Should().BeNull();
        decision.RefusalReason.Should().Contain("unknown key").And.Contain(BundleSigning.KeyIdOf(stranger));
    }

    [Test]
    public void Decide_BundleChangedAfterSigning_RefusedAsNotMatching()
    {
        using var key = BundleSigning.CreateKey();
        var signedOriginal = BundleSigning.Sign(s_bundle, key);
        var changed = ContentHash.Of("bundle bytes, one weight edited"u8);

        var decision = BundleTrust.Decide(changed, Wire(signedOriginal), Trusting(key));

        decision.Trusted.Should().BeNull();
        decision.RefusalReason.Should().Contain("does not match").And.Contain("changed after signing").And.Contain("evaluator-team");
    }

    [Test]
    public void Decide_ForgedSignatureUnderATrustedKeyId_Refused()
    {
        using var trusted = BundleSigning.CreateKey();
        using var forger = BundleSigning.CreateKey();
        var forged = BundleSigning.Sign(s_bundle, forger) with { KeyId = BundleSigning.KeyIdOf(trusted) };

        var decision = BundleTrust.Decide(s_bundle, Wire(forged), Trusting(trusted));

        decision.Trusted.Should().BeNull();
        decision.RefusalReason.Should().Contain("does not match");
    }

    [Test]
    public void Decide_ValidSignatureOfATrustedSigner_TrustedWithTheSignersName()
    {
        using var key = BundleSigning.CreateKey();

        var decision = BundleTrust.Decide(s_bundle, Wire(BundleSigning.Sign(s_bundle, key)), Trusting(key));

        decision.RefusalReason.Should().BeNull();
        decision.Trusted.Should().Be(new TrustedBundle(s_bundle, Pinned: false, "evaluator-team", BundleSigning.KeyIdOf(key)));
    }

    [Test]
    public void Decide_PinnedBundle_TrustedWithoutASignature()
    {
        var decision = BundleTrust.Decide(s_bundle, signature: null, new ModelPolicy { PinnedBundles = [s_bundle.ToUpperInvariant()] });

        decision.Trusted.Should().Be(new TrustedBundle(s_bundle, Pinned: true, null, null));
    }

    [Test]
    public void Decide_NothingTrusted_RefusesASignedBundle()
    {
        using var key = BundleSigning.CreateKey();

        var decision = BundleTrust.Decide(s_bundle, Wire(BundleSigning.Sign(s_bundle, key)), new ModelPolicy());

        decision.Trusted.Should().BeNull();
    }

    [Test]
    public void Decide_OtherAlgorithm_Refused()
    {
        using var key = BundleSigning.CreateKey();
        var signature = Wire(BundleSigning.Sign(s_bundle, key));
        signature.Algorithm = "ed25519";

        BundleTrust.Decide(s_bundle, signature, Trusting(key)).RefusalReason.Should().Contain("ed25519");
    }

    internal static ModelPolicy Trusting(System.Security.Cryptography.ECDsa key) => new()
    {
        TrustedSigners = [new TrustedSigner { Name = "evaluator-team", PublicKeyPem = key.ExportSubjectPublicKeyInfoPem() }],
    };

    internal static BundleSignature Wire(DetachedSignature signature) => new()
    {
        Algorithm = signature.Algorithm,
        KeyId = signature.KeyId,
        Signature = ByteString.CopyFrom(signature.Signature),
    };
}
