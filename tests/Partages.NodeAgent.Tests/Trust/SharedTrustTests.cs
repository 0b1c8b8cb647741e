using System.Net.Security;
using Partages.NodeAgent.Tests.Admission;

namespace Partages.NodeAgent.Tests.Trust;

/// <summary>
/// The behaviours the node and the CLI used to implement differently, pinned where the shared code (Partages.Trust)
/// settled them: the stricter of the two each time.
/// </summary>
public sealed class SharedTrustTests
{
    private static readonly string s_bundle = ContentHash.Of("bundle bytes"u8);

    [Test]
    public void ServerValidator_ServerCertificateOfTheCa_Accepted()
    {
        using var pki = new TestPki();

        Validate(pki, pki.ServerCertificate).Should().BeNull();
    }

    [Test]
    public void ServerValidator_NodeClientCertificateOfTheSameCa_RejectedAsNotAServer()
    {
        // The CA that issues the coordinator's certificate issues every node's: a node's must not pass for the coordinator.
        using var pki = new TestPki();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var nodeCertificate = pki.SignCsr(SigningRequest.CreatePem(key, "localhost"));

        Validate(pki, nodeCertificate).Should().Contain("does not chain to the saved CA");
    }

    [Test]
    public void ServerValidator_HostNameMismatch_Rejected()
    {
        using var pki = new TestPki();

        Validate(pki, pki.ServerCertificate, SslPolicyErrors.RemoteCertificateNameMismatch).Should().Contain("host name");
    }

    [Test]
    public void ServerValidator_CertificateOfAnotherCa_Rejected()
    {
        using var pki = new TestPki();
        using var other = new TestPki("Another CA");

        Validate(pki, other.ServerCertificate).Should().Contain("does not chain");
    }

    [TestCase("sha256:ABCDEF")]
    [TestCase("  sha256:AB:CD  ")]
    [TestCase(null)]
    public void Normalize_NotSixtyFourHexDigits_Null(string? text) => CaPin.Normalize(text).Should().BeNull();

    [Test]
    public void Normalize_PrefixSeparatorsAndUppercase_CanonicalHex()
    {
        var hex = ContentHash.Of("ca"u8);
        var colons = string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2).ToUpperInvariant()));

        CaPin.Normalize(" sha256:" + colons + " ").Should().Be(hex);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void DescribeOffered_PinInAnotherCase_DescribedAsPinnedAsTheDecisionTreatsIt(bool upperCase)
    {
        // The description shown before approval once compared pins case-sensitively while the decision did not.
        var pin = upperCase ? " " + s_bundle.ToUpperInvariant() : s_bundle;
        var models = new ModelPolicy { PinnedBundles = [pin] };

        BundleTrust.DescribeOffered(new Partages.Contracts.V1.ArtifactRef { Sha256 = s_bundle }, signature: null, models)
            .Should().Be("pinned by SHA-256 in the policy");
        BundleTrust.Decide(s_bundle, signature: null, models).Trusted!.Pinned.Should().BeTrue();
    }

    [Test]
    public void DescribeOffered_KeyOnAnotherCurveWithTheSameKeyId_UnknownAsTheDecisionFindsNoSigner()
    {
        // The description once accepted any ECDSA curve; only P-256 keys verify, so a P-384 key trusts nothing.
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var keyId = ContentHash.Of(p384.ExportSubjectPublicKeyInfo());
        var models = new ModelPolicy { TrustedSigners = [new TrustedSigner { Name = "other-curve", PublicKeyPem = p384.ExportSubjectPublicKeyInfoPem() }] };
        var signature = new Partages.Contracts.V1.BundleSignature { Algorithm = BundleSigning.Algorithm, KeyId = keyId };

        BundleTrust.DescribeOffered(null, signature, models).Should().Be($"unknown key {keyId}");
        BundleTrust.Decide(s_bundle, signature, models).RefusalReason.Should().Contain("unknown key");
    }

    [Test]
    public void DescribeOffered_OtherAlgorithmUnderATrustedKeyId_NotDescribedAsTrusted()
    {
        using var key = BundleSigning.CreateKey();
        var signature = BundleTrustTests.Wire(BundleSigning.Sign(s_bundle, key));
        signature.Algorithm = "ed25519";

        BundleTrust.DescribeOffered(null, signature, BundleTrustTests.Trusting(key)).Should().Contain("'ed25519'").And.NotContain("trusted signer");
    }

    [Test]
    public void DescribeOffered_TrustedSignerInUppercaseKeyId_NamesTheSigner()
    {
        using var key = BundleSigning.CreateKey();
        var signature = BundleTrustTests.Wire(BundleSigning.Sign(s_bundle, key));
        signature.KeyId = signature.KeyId.ToUpperInvariant();

        BundleTrust.DescribeOffered(null, signature, BundleTrustTests.Trusting(key)).Should().StartWith("evaluator-team (trusted signer");
    }

    [Test]
    public void KeyIdOf_NotAP256PublicKey_Null()
    {
        using var rsa = RSA.Create(2048);

        BundleSigners.KeyIdOf(rsa.ExportSubjectPublicKeyInfoPem()).Should().BeNull();
        BundleSigners.KeyIdOf("not a key").Should().BeNull();
    }

    /// <summary>Null when accepted, else the reason given.</summary>
    private static string? Validate(TestPki pki, X509Certificate2 presented, SslPolicyErrors errors = SslPolicyErrors.RemoteCertificateChainErrors)
    {
        string? rejection = null;
        var accepted = TrustedChain.ServerValidator(pki.Ca, onRejected: r => rejection = r)(new object(), presented, null, errors);
        accepted.Should().Be(rejection is null);
        return rejection;
    }
}
