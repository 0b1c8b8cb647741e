using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Partages.Coordinator.Pki;

namespace Partages.Coordinator.Tests.Pki;

/// <summary>
/// <see cref="CertificateAuthority.IsValidClientCertificate"/> remembers a chain it built, but only within the time the
/// certificate is valid: a remembered certificate is refused once it expires, and another CA's certificate never passes.
/// </summary>
public sealed class ClientChainCacheTests
{
    private readonly List<string> _dirs = [];

    [TearDown]
    public void RemoveDataDirs()
    {
        foreach (var dir in _dirs.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void IsValidClientCertificate_RememberedThenExpired_RefusedAfterItsValidity()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.LoadOrCreate(NewDir(), time, out _);
        var now = time.GetUtcNow();
        using var certificate = Sign(ca, "cached", now.AddMinutes(-1), now.AddDays(1));

        ca.IsValidClientCertificate(certificate, now).Should().BeTrue();
        ca.IsValidClientCertificate(certificate, now.AddHours(1)).Should().BeTrue("remembered, and still valid");
        ca.IsValidClientCertificate(certificate, now.AddDays(2)).Should().BeFalse("expired: the remembered chain no longer counts");
        ca.IsValidClientCertificate(certificate, now.AddMinutes(-5)).Should().BeFalse("not yet valid then");
    }

    [Test]
    public void IsValidClientCertificate_AnotherCasCertificate_FalseEveryTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ours = CertificateAuthority.LoadOrCreate(NewDir(), time, out _);
        using var theirs = CertificateAuthority.LoadOrCreate(NewDir(), time, out _);
        var now = time.GetUtcNow();
        using var foreign = Sign(theirs, "foreign", now.AddMinutes(-1), now.AddDays(1));

        theirs.IsValidClientCertificate(foreign, now).Should().BeTrue();
        ours.IsValidClientCertificate(foreign, now).Should().BeFalse();
        ours.IsValidClientCertificate(foreign, now).Should().BeFalse();
    }

    private static X509Certificate2 Sign(CertificateAuthority ca, string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var (key, csr) = TestPki.CreateCsr(name);
        using (key)
        {
            return ca.SignNodeCertificate(csr, name, notBefore, notAfter);
        }
    }

    private string NewDir()
    {
        var dir = TestCoordinator.NewDataDir();
        _dirs.Add(dir);
        return dir;
    }
}
