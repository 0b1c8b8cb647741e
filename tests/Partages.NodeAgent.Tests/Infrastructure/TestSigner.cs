namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>
/// The evaluator key of the tests: <see cref="Offers.For"/> signs every offered bundle with it and the default test
/// policy trusts it, so a job runs through the real model-trust check unless a test says otherwise.
/// </summary>
public static class TestSigner
{
    private static readonly ECDsa s_key = BundleSigning.CreateKey();

    public static TrustedSigner Trusted { get; } = new() { Name = "test-evaluator", PublicKeyPem = s_key.ExportSubjectPublicKeyInfoPem() };

    public static string KeyId { get; } = BundleSigning.KeyIdOf(s_key);

    /// <summary>The wire signature of the bundle whose SHA-256 is <paramref name="bundleSha256"/>.</summary>
    public static BundleSignature Sign(string bundleSha256)
    {
        var signature = BundleSigning.Sign(bundleSha256, s_key);
        return new BundleSignature { Algorithm = signature.Algorithm, KeyId = signature.KeyId, Signature = ByteString.CopyFrom(signature.Signature) };
    }
}
