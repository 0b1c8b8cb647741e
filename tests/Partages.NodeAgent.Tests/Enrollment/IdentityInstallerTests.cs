namespace Partages.NodeAgent.Tests.Enrollment;

/// <summary>
/// A renewed key and certificate are installed so that an interruption at any step leaves a usable identity on the
/// next start: the previous one before the combined file is complete, the renewed one after; never a key of one with
/// the certificate of the other.
/// </summary>
public sealed class IdentityInstallerTests : TestDirectoryPerTest
{
    private static readonly TestPki Pki = new();

    [Test]
    public void Install_Uninterrupted_LoadsTheRenewedIdentityAndLeavesNoRenewalFile()
    {
        var (files, _, renewed) = Enrolled();

        IdentityInstaller.Install(files, renewed.KeyPem, renewed.CertificatePem);

        using var loaded = NodeIdentity.Load(files);
        loaded.CertificateSha256.Should().Be(renewed.Sha256);
        loaded.Recovery.Should().BeNull();
        File.Exists(files.RenewalPath).Should().BeFalse();
    }

    [TestCase(InstallStep.RenewalWritten)]
    [TestCase(InstallStep.KeyReplaced)]
    [TestCase(InstallStep.CertificateReplaced)]
    public void Load_InstallInterruptedAfterAStep_CompletesTheRenewedIdentity(InstallStep step)
    {
        var (files, _, renewed) = Enrolled();

        var install = () => IdentityInstaller.Install(files, renewed.KeyPem, renewed.CertificatePem, done => Interrupt(done, step));

        install.Should().Throw<SimulatedCrashException>();
        using var loaded = NodeIdentity.Load(files);
        loaded.CertificateSha256.Should().Be(renewed.Sha256);
        loaded.ClientCertificate.HasPrivateKey.Should().BeTrue();
        loaded.Verify(DateTimeOffset.UtcNow).Should().BeEmpty();
        File.Exists(files.RenewalPath).Should().BeFalse();
    }

    [Test]
    public void Load_CrashWhileTheRenewalFileWasBeingWritten_KeepsThePreviousIdentity()
    {
        var (files, previous, renewed) = Enrolled();
        // What a crash inside SecureFile.WriteAllText leaves: a partial temporary file, never a partial renewal.pem.
        File.WriteAllText(files.RenewalPath + ".tmp", renewed.KeyPem[..40]);

        using var loaded = NodeIdentity.Load(files);

        loaded.CertificateSha256.Should().Be(previous.Sha256);
        loaded.Recovery.Should().BeNull();
    }

    [Test]
    public void Load_RenewalFileWithAForeignCertificate_SetAsideAndThePreviousIdentityKept()
    {
        var (files, previous, _) = Enrolled();
        using var foreignCa = new TestPki("Foreign CA");
        var foreign = Issue(foreignCa);
        File.WriteAllText(files.RenewalPath, foreign.KeyPem + foreign.CertificatePem);

        using var loaded = NodeIdentity.Load(files);

        loaded.CertificateSha256.Should().Be(previous.Sha256);
        loaded.Recovery.Should().Contain("set aside");
        File.Exists(files.RenewalPath + ".rejected").Should().BeTrue();
    }

    private (IdentityFiles Files, Issued Previous, Issued Renewed) Enrolled()
    {
        var files = new IdentityFiles(Scratch.Combine("identity"));
        Directory.CreateDirectory(files.Directory);
        var previous = Issue(Pki);
        File.WriteAllText(files.KeyPath, previous.KeyPem);
        File.WriteAllText(files.CertificatePath, previous.CertificatePem);
        File.WriteAllText(files.CaCertificatePath, Pki.CaPem);
        return (files, previous, Issue(Pki));
    }

    private static Issued Issue(TestPki pki)
    {
        using var key = SigningRequest.CreateKey();
        using var certificate = pki.SignCsr(SigningRequest.CreatePem(key, "chu-valmont"));
        return new Issued(key.ExportPkcs8PrivateKeyPem(), certificate.ExportCertificatePem(), CaPin.Of(certificate));
    }

    private static void Interrupt(InstallStep done, InstallStep at)
    {
        if (done == at)
        {
            throw new SimulatedCrashException();
        }
    }

    private sealed record Issued(string KeyPem, string CertificatePem, string Sha256);

    private sealed class SimulatedCrashException : Exception
    {
    }
}
