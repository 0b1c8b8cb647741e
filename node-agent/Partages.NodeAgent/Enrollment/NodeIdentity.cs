using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.NodeAgent.Connectivity;
using Partages.Trust;

namespace Partages.NodeAgent.Enrollment;

/// <summary>
/// The node's enrolled identity, loaded from its files: the client certificate with its private key, and the
/// coordinator's CA certificate, which is the only root the agent trusts.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    private NodeIdentity(X509Certificate2 clientCertificate, IReadOnlyList<X509Certificate2> trustedCas, string? recovery)
    {
        ClientCertificate = clientCertificate;
        TrustedCas = trustedCas;
        Recovery = recovery;
    }

    public X509Certificate2 ClientCertificate { get; }

    /// <summary>The CA the node enrolled under (or the one a finished CA rotation moved it to): its first trust root.</summary>
    public X509Certificate2 CaCertificate => TrustedCas[0];

    /// <summary>
    /// Every CA the agent trusts for the coordinator: <see cref="CaCertificate"/>, and during a CA rotation the new CA
    /// learned over the session (<see cref="IdentityFiles.NextCaCertificatePath"/>).
    /// </summary>
    public IReadOnlyList<X509Certificate2> TrustedCas { get; }

    /// <summary>What loading did to finish an interrupted renewal (<see cref="IdentityInstaller"/>), for the log; null if nothing.</summary>
    public string? Recovery { get; }

    /// <summary>SHA-256 of the client certificate (how the coordinator recognises it).</summary>
    public string CertificateSha256 => CaPin.Of(ClientCertificate);

    /// <exception cref="IdentityException">A file is missing or unreadable, or the key does not match the certificate.</exception>
    public static NodeIdentity Load(IdentityFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var missing = files.Missing();
        if (missing.Count > 0)
        {
            throw new IdentityException(
                $"This node is not enrolled: missing {string.Join(", ", missing)}. " +
                "Run 'Partages.NodeAgent enroll --config <node.yaml> --token <token> --ca-sha256 <pin>' first.");
        }

        var trusted = new List<X509Certificate2> { ReadCa(files.CaCertificatePath) };
        if (File.Exists(files.NextCaCertificatePath))
        {
            trusted.Add(ReadCa(files.NextCaCertificatePath));
        }

        try
        {
            var recovery = IdentityInstaller.CompletePending(files, trusted);
            using var pem = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
            // Re-import through PKCS#12 so the key is usable for TLS client authentication on every platform.
            var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
            return new NodeIdentity(client, trusted, recovery);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            trusted.ForEach(c => c.Dispose());
            throw new IdentityException(
                $"Cannot load the node certificate {files.CertificatePath} with its key {files.KeyPath}: {ex.Message}", ex);
        }
    }

    private static X509Certificate2 ReadCa(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"Cannot read the CA certificate {path}: {ex.Message}", ex);
        }
    }

    /// <summary>When a node should renew: at <paramref name="share"/> of its certificate's lifetime (from NotBefore to NotAfter).</summary>
    public DateTimeOffset RenewalDueAt(double share)
    {
        var notBefore = new DateTimeOffset(ClientCertificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(ClientCertificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return notBefore + ((notAfter - notBefore) * share);
    }

    public DateTimeOffset NotAfter => new(ClientCertificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>Problems that stop this identity from authenticating at <paramref name="now"/>: expiry, a broken chain.</summary>
    public IReadOnlyList<string> Verify(DateTimeOffset now)
    {
        var problems = new List<string>();
        if (now < ClientCertificate.NotBefore.ToUniversalTime())
        {
            problems.Add($"the node certificate is not valid before {ClientCertificate.NotBefore.ToUniversalTime():u} (check the clock)");
        }

        if (now > ClientCertificate.NotAfter.ToUniversalTime())
        {
            problems.Add($"the node certificate expired on {ClientCertificate.NotAfter.ToUniversalTime():u}; enroll the node again with a new token");
        }

        if (!TrustedChain.Builds(ClientCertificate, TrustedCas, [], now, usage: null, out var chainProblem))
        {
            problems.Add($"the node certificate does not chain to the saved CA certificate: {chainProblem}");
        }

        return problems;
    }

    public void Dispose()
    {
        ClientCertificate.Dispose();
        foreach (var ca in TrustedCas)
        {
            ca.Dispose();
        }
    }
}

/// <summary>The identity files are missing or unusable; the message says what to do.</summary>
public sealed class IdentityException : Exception
{
    public IdentityException(string message)
        : base(message)
    {
    }

    public IdentityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IdentityException()
    {
    }
}
