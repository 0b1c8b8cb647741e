using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.Contracts;
using Partages.NodeAgent.Enrollment;

namespace Partages.NodeAgent.Audit;

/// <summary>
/// Signs audit heads with the node's enrolled private key (ECDSA P-256, the key of its client certificate): for the
/// checkpoints written into the log, and for the heads sent to the coordinator. The key never leaves this object.
/// </summary>
public sealed class AuditSigner : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<ECDsa> _replaced = [];
    private ECDsa _key;
    private string _certificateBase64;

    private AuditSigner(ECDsa key, string nodeName, string certificateBase64)
    {
        _key = key;
        NodeName = nodeName;
        _certificateBase64 = certificateBase64;
    }

    /// <summary>The node's enrolled name: its certificate's CN, the name the coordinator knows it by.</summary>
    public string NodeName { get; }

    /// <summary>The signing certificate, base64 DER (carried by each checkpoint).</summary>
    public string CertificateBase64
    {
        get
        {
            lock (_gate)
            {
                return _certificateBase64;
            }
        }
    }

    /// <summary>
    /// Signs from now on with <paramref name="certificate"/>'s key (a renewed certificate of the same node); false, and
    /// nothing changes, when it holds no ECDSA key or names another node.
    /// </summary>
    public bool Use(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var key = certificate.GetECDsaPrivateKey();
        if (key is null || !string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), NodeName, StringComparison.Ordinal))
        {
            key?.Dispose();
            return false;
        }

        lock (_gate)
        {
            // Kept until disposal: a signature may be under way with the previous key.
            _replaced.Add(_key);
            _key = key;
            _certificateBase64 = Convert.ToBase64String(certificate.RawData);
        }

        return true;
    }

    /// <summary>A signer for the identity's certificate, or null when it holds no ECDSA private key.</summary>
    public static AuditSigner? From(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return From(identity.ClientCertificate);
    }

    /// <summary>A signer for <paramref name="certificate"/>'s key, or null when it holds no ECDSA private key.</summary>
    public static AuditSigner? From(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var key = certificate.GetECDsaPrivateKey();
        if (key is null)
        {
            return null;
        }

        return new AuditSigner(key, certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), Convert.ToBase64String(certificate.RawData));
    }

    /// <summary>The signature of the head (<paramref name="sequence"/>, <paramref name="entrySha256"/>), IEEE P1363.</summary>
    public byte[] Sign(long sequence, string entrySha256)
    {
        lock (_gate)
        {
            return AuditHeadSignature.Sign(_key, NodeName, sequence, entrySha256);
        }
    }

    /// <summary>The signature and the certificate of the key that made it, taken together (a renewal may switch keys between two reads).</summary>
    public (byte[] Signature, string CertificateBase64) SignWithCertificate(long sequence, string entrySha256)
    {
        lock (_gate)
        {
            return (AuditHeadSignature.Sign(_key, NodeName, sequence, entrySha256), _certificateBase64);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _key.Dispose();
            _replaced.ForEach(k => k.Dispose());
        }
    }
}
