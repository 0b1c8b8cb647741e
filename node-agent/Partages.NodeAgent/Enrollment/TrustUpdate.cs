using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.Trust;

namespace Partages.NodeAgent.Enrollment;

/// <summary>What a trust bundle from the coordinator changed, and whether the node should renew now.</summary>
public sealed record TrustChange(bool FilesChanged, bool RenewNow, IReadOnlyList<string> Notes)
{
    public static TrustChange None { get; } = new(false, false, []);
}

/// <summary>
/// Applies the coordinator's trust bundle (Welcome, renewal answers) during a CA rotation. A new CA is trusted
/// (<c>identity/ca-next.crt</c>) only if its cross-certificate — its subject and key certified by a CA this node
/// already trusts — checks out; the pin alone, even over the authenticated session, is not enough. Once the
/// coordinator no longer lists the node's first CA and the node's certificate is from the new one, the new CA becomes
/// <c>ca.crt</c> (the old one kept as <c>ca-retired-*.crt</c>). A bundle whose issuing CA did not issue the node's
/// certificate asks for a renewal now.
/// </summary>
public static class TrustUpdate
{
    public static TrustChange Apply(IdentityFiles files, NodeIdentity current, TrustBundle? bundle)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(current);
        if (bundle is null || bundle.Authorities.Count == 0)
        {
            return TrustChange.None;
        }

        var notes = new List<string>();
        var changed = false;
        var local = current.TrustedCas.Select(CaPin.Of).ToHashSet(StringComparer.Ordinal);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var authority in bundle.Authorities)
        {
            using var ca = Parse(authority.CertificatePem);
            if (ca is null || !string.Equals(CaPin.Of(ca), authority.Sha256, StringComparison.Ordinal))
            {
                notes.Add($"ignored a CA from the coordinator whose certificate does not match its pin {authority.Sha256}");
                continue;
            }

            listed.Add(authority.Sha256);
            if (local.Contains(authority.Sha256))
            {
                continue;
            }

            if (CrossCertified(ca, authority.CrossCertificatePem, current.TrustedCas) is { } refused)
            {
                notes.Add($"did not trust the new CA {authority.Sha256}: {refused}");
                continue;
            }

            SecureFile.WriteAllText(files.NextCaCertificatePath, ca.ExportCertificatePem() + "\n", SecureFile.WorldReadable);
            local.Add(authority.Sha256);
            changed = true;
            notes.Add($"now trusts the coordinator's new CA {authority.Sha256} ('{ca.Subject}', cross-certified by the CA it trusted) beside {CaPin.Of(current.CaCertificate)}");
        }

        var first = CaPin.Of(current.CaCertificate);
        if (!listed.Contains(first) && File.Exists(files.NextCaCertificatePath))
        {
            using var next = Parse(File.ReadAllText(files.NextCaCertificatePath));
            if (next is not null && listed.Contains(CaPin.Of(next)) && TrustedChain.Builds(current.ClientCertificate, next, [], at: null, out _))
            {
                File.Move(files.CaCertificatePath, files.RetiredCaCertificatePath(first), overwrite: true);
                File.Move(files.NextCaCertificatePath, files.CaCertificatePath, overwrite: true);
                changed = true;
                notes.Add($"the coordinator retired the CA {first}: {CaPin.Of(next)} is now this node's CA");
            }
        }

        var renewNow = local.Contains(bundle.IssuingSha256) && !IssuedBy(current, bundle.IssuingSha256, files.NextCaCertificatePath);
        return new TrustChange(changed, renewNow, notes);
    }

    /// <summary>Whether the node's certificate comes from the CA pinned <paramref name="caPin"/> (false when the node does not hold that CA yet).</summary>
    private static bool IssuedBy(NodeIdentity identity, string caPin, string? nextCaPath)
    {
        if (identity.TrustedCas.FirstOrDefault(ca => CaPin.Of(ca) == caPin) is { } trusted)
        {
            return TrustedChain.Builds(identity.ClientCertificate, trusted, [], at: null, out _);
        }

        using var learned = nextCaPath is not null && File.Exists(nextCaPath) ? Parse(File.ReadAllText(nextCaPath)) : null;
        return learned is null || CaPin.Of(learned) != caPin || TrustedChain.Builds(identity.ClientCertificate, learned, [], at: null, out _);
    }

    /// <summary>Null when <paramref name="crossPem"/> certifies <paramref name="ca"/>'s subject and key under a CA in <paramref name="trusted"/>; otherwise why not.</summary>
    private static string? CrossCertified(X509Certificate2 ca, string crossPem, IReadOnlyList<X509Certificate2> trusted)
    {
        if (crossPem.Length == 0)
        {
            return "the coordinator sent no cross-certificate for it";
        }

        using var cross = Parse(crossPem);
        if (cross is null)
        {
            return "its cross-certificate is unreadable";
        }

        if (!cross.SubjectName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData)
            || !cross.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(ca.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            return "its cross-certificate is for another subject or key";
        }

        return TrustedChain.Builds(cross, trusted, [], at: null, usage: null, out var problem)
            ? null
            : $"its cross-certificate does not chain to a CA this node trusts ({problem})";
    }

    private static X509Certificate2? Parse(string pem)
    {
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
