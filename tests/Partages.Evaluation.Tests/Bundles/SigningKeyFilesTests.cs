using System.Security.Cryptography;

namespace Partages.Evaluation.Tests.Bundles;

/// <summary>The key pair <c>partages keys generate</c> and <c>Partages.ModelKit keygen</c> both write.</summary>
public sealed class SigningKeyFilesTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), "partages-keys-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task GenerateAsync_NewName_PrivateKeySignsWhatThePublicKeyVerifiesUnderThePrintedKeyId()
    {
        var key = await SigningKeyFiles.GenerateAsync(_folder, "equipe-ia");

        using var privateKey = ECDsa.Create();
        privateKey.ImportFromPem(await File.ReadAllTextAsync(key.PrivateKeyPath));
        var publicPem = await File.ReadAllTextAsync(key.PublicKeyPath);
        var bundleSha256 = new string('a', 64);
        BundleSigning.Verify(bundleSha256, BundleSigning.Sign(bundleSha256, privateKey), publicPem).Should().BeTrue();
        BundleSigning.KeyIdOfPem(publicPem).Should().Be(key.KeyId);
    }

    [Test]
    public async Task GenerateAsync_KeyExists_RefusedAndTheKeyKept()
    {
        var first = await SigningKeyFiles.GenerateAsync(_folder, "equipe-ia");
        var before = await File.ReadAllTextAsync(first.PrivateKeyPath);

        var again = async () => await SigningKeyFiles.GenerateAsync(_folder, "equipe-ia");

        await again.Should().ThrowAsync<IOException>().WithMessage("*never overwritten*");
        (await File.ReadAllTextAsync(first.PrivateKeyPath)).Should().Be(before);
    }

    [Test]
    public async Task GenerateAsync_NameWithAPath_Refused()
    {
        var generate = async () => await SigningKeyFiles.GenerateAsync(_folder, "../elsewhere");

        await generate.Should().ThrowAsync<ArgumentException>();
    }
}
