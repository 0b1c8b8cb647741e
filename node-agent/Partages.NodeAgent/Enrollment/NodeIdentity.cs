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
    private NodeIdentity(X509Certificate2 clientCertificate, X509Certificate2 caCertificate)
    {
        ClientCertificate = clientCertificate;
        CaCertificate = caCertificate;
    }

    public X509Certificate2 ClientCertificate { get; }

    public X509Certificate2 CaCertificate { get; }

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

        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificatePath));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"Cannot read the CA certificate {files.CaCertificatePath}: {ex.Message}", ex);
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
            // Re-import through PKCS#12 so the key is usable for TLS client authentication on every platform.
            var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
            return new NodeIdentity(client, ca);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            ca.Dispose();
            throw new IdentityException(
                $"Cannot load the node certificate {files.CertificatePath} with its key {files.KeyPath}: {ex.Message}", ex);
        }
    }

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

        if (!TrustedChain.Builds(ClientCertificate, CaCertificate, [], now, out var chainProblem))
        {
            problems.Add($"the node certificate does not chain to the saved CA certificate: {chainProblem}");
        }

        return problems;
    }

    public void Dispose()
    {
        ClientCertificate.Dispose();
        CaCertificate.Dispose();
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
