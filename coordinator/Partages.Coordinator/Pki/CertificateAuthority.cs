using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.Evaluation;

namespace Partages.Coordinator.Pki;

/// <summary>
/// The coordinator's own CA: an ECDSA P-256 key created on first use in <c>&lt;data-dir&gt;/pki/</c>.
/// It signs the TLS server certificate and every node's client certificate, and it is the only root the
/// TLS layer trusts for client certificates. Its pin is the SHA-256 of its DER bytes, lowercase hex.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const int MinRsaKeyBits = 2048;

    private readonly X509Certificate2 _ca;
    // During a CA rotation: the new CA (with its key), its cross-certificate from _ca, and whether it issues node
    // certificates yet (CaRotation). Null outside a rotation.
    private readonly X509Certificate2? _next;
    private readonly string _nextCrossPem;
    private readonly bool _nextIssues;

    private CertificateAuthority(X509Certificate2 ca, PkiPaths paths)
    {
        _ca = ca;
        Paths = paths;
        Pin = ContentHash.Of(ca.RawData);
        if (File.Exists(paths.NextCaPfx) && File.Exists(paths.NextCaCrossCrt))
        {
            _next = X509CertificateLoader.LoadPkcs12FromFile(paths.NextCaPfx, null);
            _nextCrossPem = File.ReadAllText(paths.NextCaCrossCrt);
            _nextIssues = File.Exists(paths.NextCaIssuingMarker);
        }
        else
        {
            _nextCrossPem = "";
        }

        TrustedRoots = _next is null ? [_ca] : [_ca, _next];
    }

    /// <summary>Every CA whose node certificates the node plane accepts: the CA, and during a rotation the new one.</summary>
    public IReadOnlyList<X509Certificate2> TrustedRoots { get; }

    /// <summary>The CA that signs node certificates at renewal: the new one once a rotation switched issuing.</summary>
    private X509Certificate2 Issuing => _nextIssues && _next is not null ? _next : _ca;

    public PkiPaths Paths { get; }

    /// <summary>SHA-256 of the CA certificate's DER bytes, lowercase hex: what <c>enroll --ca-sha256</c> checks.</summary>
    public string Pin { get; }

    /// <summary>The CA certificate without its key, for chain building.</summary>
    public X509Certificate2 Certificate => _ca;

    public string CertificatePem => _ca.ExportCertificatePem();

    /// <summary>The pin of the CA that signs node certificates at renewal.</summary>
    public string IssuingPin => ContentHash.Of(Issuing.RawData);

    /// <summary>The CAs the node plane trusts, as nodes learn them (Welcome, renewal answers); a new CA with its cross-certificate.</summary>
    public TrustBundle Trust()
    {
        var bundle = new TrustBundle { IssuingSha256 = IssuingPin };
        bundle.Authorities.Add(new TrustedAuthority { CertificatePem = CertificatePem, Sha256 = Pin });
        if (_next is not null)
        {
            bundle.Authorities.Add(new TrustedAuthority { CertificatePem = _next.ExportCertificatePem(), Sha256 = ContentHash.Of(_next.RawData), CrossCertificatePem = _nextCrossPem });
        }

        return bundle;
    }

    /// <summary>Loads the CA from the data dir, creating it (and the folder) the first time.</summary>
    public static CertificateAuthority LoadOrCreate(string dataDir, TimeProvider time, out bool created)
    {
        ArgumentNullException.ThrowIfNull(time);
        var paths = PkiPaths.Under(dataDir);
        if (!Directory.Exists(paths.Directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(paths.Directory);
            }
            else
            {
                Directory.CreateDirectory(paths.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        created = !File.Exists(paths.CaPfx);
        if (created)
        {
            using var ca = CreateCa("CN=Partages coordinator CA", time.GetUtcNow());
            WritePrivate(paths.CaPfx, ca.Export(X509ContentType.Pkcs12));
            File.WriteAllText(paths.CaCrt, ca.ExportCertificatePem() + "\n");
        }

        return new CertificateAuthority(X509CertificateLoader.LoadPkcs12FromFile(paths.CaPfx, null), paths);
    }

    /// <summary>A new self-signed CA (ECDSA P-256, 10 years) with its key.</summary>
    internal static X509Certificate2 CreateCa(string subject, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
    }

    /// <summary>
    /// <paramref name="newCa"/>'s subject and key certified by <paramref name="issuer"/> (a CA certificate, path length 0):
    /// what lets a node that trusts only the issuer trust the new CA.
    /// </summary>
    internal static X509Certificate2 CrossCertify(X509Certificate2 issuer, X509Certificate2 newCa)
    {
        var request = new CertificateRequest(newCa.SubjectName, newCa.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(newCa.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var key = issuer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The CA certificate has no ECDSA private key.");
        return request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(key), newCa.NotBefore, issuer.NotAfter < newCa.NotAfter ? issuer.NotAfter : newCa.NotAfter, RandomSerial());
    }

    internal static void WritePrivateFile(string path, byte[] bytes) => WritePrivate(path, bytes);

    /// <summary>
    /// Returns the TLS server certificate, issuing a new one when it is missing, expires within 30 days,
    /// or does not cover every wanted host name.
    /// </summary>
    public X509Certificate2 LoadOrCreateServerCertificate(IEnumerable<string> extraHostNames, TimeProvider time, out bool created)
    {
        ArgumentNullException.ThrowIfNull(time);
        var names = new SortedSet<string>(["localhost", "127.0.0.1", "::1"], StringComparer.OrdinalIgnoreCase);
        names.UnionWith(extraHostNames);
        var now = time.GetUtcNow();
        if (File.Exists(Paths.ServerPfx))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(Paths.ServerPfx, null);
            if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(30) && Covers(existing, names) && Chains(existing, _ca, usage: null, now))
            {
                created = false;
                return existing;
            }

            existing.Dispose();
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(names.First(n => !IPAddress.TryParse(n, out _))), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        using var issued = request.Create(_ca, now.AddMinutes(-5), now.AddYears(2), RandomSerial());
        using var withKey = issued.CopyWithPrivateKey(key);
        WritePrivate(Paths.ServerPfx, withKey.Export(X509ContentType.Pkcs12));
        created = true;
        return X509CertificateLoader.LoadPkcs12FromFile(Paths.ServerPfx, null);
    }

    /// <summary>
    /// Signs a node's CSR: CN = the node name, clientAuth EKU, random serial. The CSR's signature is verified
    /// and its key must be ECDSA P-256 or RSA of at least 2048 bits; its own subject and extensions are ignored.
    /// </summary>
    /// <exception cref="CsrRejectedException">The CSR is not acceptable; the message says why.</exception>
    public X509Certificate2 SignNodeCertificate(string csrPem, string nodeName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var csr = LoadCsr(csrPem);
        if (RequestedCommonName(csr) is { } subjectName && !string.Equals(subjectName, nodeName, StringComparison.Ordinal))
        {
            throw new CsrRejectedException($"The CSR asks for CN={subjectName}, but this enrollment token is for node '{nodeName}'.");
        }

        // Enrollment stays under the CA the token's pin names; a node enrolled mid-rotation renews under the new one.
        return Sign(_ca, csr, nodeName, notBefore, notAfter);
    }

    /// <summary>A CSR with a valid signature, or <see cref="CsrRejectedException"/> saying why not.</summary>
    public static CertificateRequest LoadCsr(string csrPem)
    {
        try
        {
            return CertificateRequest.LoadSigningRequestPem(
                csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new CsrRejectedException("csr_pem is not a PEM-encoded PKCS#10 request with a valid signature.", ex);
        }
    }

    /// <summary>The CN the CSR's subject asks for; null when it names none.</summary>
    public static string? RequestedCommonName(CertificateRequest csr)
    {
        ArgumentNullException.ThrowIfNull(csr);
        return csr.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.HasMultipleElements == false && rdn.GetSingleElementType().Value == "2.5.4.3")
            .Select(rdn => rdn.GetSingleElementValue())
            .FirstOrDefault();
    }

    /// <summary>A node certificate for <paramref name="nodeName"/> on the CSR's key (its subject and extensions are ignored).</summary>
    public X509Certificate2 Sign(CertificateRequest csr, string nodeName, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        Sign(Issuing, csr, nodeName, notBefore, notAfter);

    private static X509Certificate2 Sign(X509Certificate2 issuer, CertificateRequest csr, string nodeName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(csr);
        var keyUsage = CheckKey(csr.PublicKey);
        var request = new CertificateRequest(Subject(nodeName), csr.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(csr.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var caKey = issuer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The CA certificate has no ECDSA private key.");
        return request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notBefore, notAfter, RandomSerial());
    }

    /// <summary>
    /// True when the certificate chains to this CA (custom root trust, no revocation lookup) and allows clientAuth. A
    /// chain once built is remembered by the certificate's hash for the time both it and its root are valid: it is
    /// asked at every handshake and every node call (a 1,000-node evaluation's results were 2,000 chain builds, the
    /// largest coordinator cost in the session-9 profile; reconnecting nodes, one per handshake). The roots are fixed
    /// for the life of this object, so the answer cannot change within that window; revocation is not part of it (the
    /// node's row is read on every call).
    /// </summary>
    public bool IsValidClientCertificate(X509Certificate2 certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var key = Thumbprint(certificate);
        if (_chained.TryGetValue(key, out var window) && now >= window.From && now <= window.Until)
        {
            return true;
        }

        var root = TrustedRoots.FirstOrDefault(candidate => Chains(certificate, candidate, ClientAuthOid, now));
        if (root is null)
        {
            return false;
        }

        if (_chained.Count >= MaxRememberedChains)
        {
            // Bounded: more distinct certificates than any federation has nodes means churn; start again.
            _chained.Clear();
        }

        _chained[key] = (Later(certificate.NotBefore, root.NotBefore), Earlier(certificate.NotAfter, root.NotAfter));
        return true;
    }

    private const int MaxRememberedChains = 100_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset From, DateTimeOffset Until)> _chained = new(StringComparer.Ordinal);

    private static DateTimeOffset Later(DateTime a, DateTime b) => new(a.ToUniversalTime() > b.ToUniversalTime() ? a.ToUniversalTime() : b.ToUniversalTime());

    private static DateTimeOffset Earlier(DateTime a, DateTime b) => new(a.ToUniversalTime() < b.ToUniversalTime() ? a.ToUniversalTime() : b.ToUniversalTime());

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="root"/> alone (custom root trust, no download, no revocation lookup).</summary>
    public static bool Chains(X509Certificate2 certificate, X509Certificate2 root, string? usage, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(root);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (usage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        }

        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(certificate) && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(root.RawData);
    }

    /// <summary>SHA-256 of a certificate's DER bytes, lowercase hex: how a node's certificate is recognised.</summary>
    public static string Thumbprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return ContentHash.Of(certificate.RawData);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _next?.Dispose();
    }

    private static X509KeyUsageFlags CheckKey(PublicKey key)
    {
        using var ecdsa = key.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            var curve = ecdsa.ExportParameters(false).Curve;
            if (curve.IsNamed && (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256"))
            {
                return X509KeyUsageFlags.DigitalSignature;
            }

            throw new CsrRejectedException("The CSR's ECDSA key must be on curve P-256.");
        }

        using var rsa = key.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize >= MinRsaKeyBits
                ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
                : throw new CsrRejectedException($"The CSR's RSA key has {rsa.KeySize} bits; at least {MinRsaKeyBits} are required.");
        }

        throw new CsrRejectedException("The CSR's key must be ECDSA P-256 or RSA of at least 2048 bits.");
    }

    private static bool Covers(X509Certificate2 certificate, IEnumerable<string> names)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
        {
            return false;
        }

        var present = new HashSet<string>(san.EnumerateDnsNames(), StringComparer.OrdinalIgnoreCase);
        present.UnionWith(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
        return names.All(n => present.Contains(IPAddress.TryParse(n, out var ip) ? ip.ToString() : n));
    }

    private static X500DistinguishedName Subject(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }

    private static void WritePrivate(string path, byte[] bytes)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            stream.Write(bytes);
        }

        File.Move(temp, path, overwrite: true);
    }
}
