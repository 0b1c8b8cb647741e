using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Partages.Trust;

/// <summary>
/// Chain building against one explicit root (CustomRootTrust): the system's trust store plays no part, and no
/// certificate is downloaded (the peer's AIA addresses are never fetched: a chain check makes no request).
/// </summary>
public static class TrustedChain
{
    /// <summary>The TLS server authentication usage (id-kp-serverAuth).</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    public static bool Builds(
        X509Certificate2 leaf,
        X509Certificate2 root,
        IEnumerable<X509Certificate2> intermediates,
        DateTimeOffset? at,
        out string problem) => Builds(leaf, root, intermediates, at, usage: null, out problem);

    /// <param name="usage">An extended key usage the leaf must allow (its OID), or null for any.</param>
    public static bool Builds(
        X509Certificate2 leaf,
        X509Certificate2 root,
        IEnumerable<X509Certificate2> intermediates,
        DateTimeOffset? at,
        string? usage,
        out string problem)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Builds(leaf, [root], intermediates, at, usage, out problem);
    }

    /// <summary>Builds to any of <paramref name="roots"/> (a node trusts two CAs during a CA rotation).</summary>
    public static bool Builds(
        X509Certificate2 leaf,
        IReadOnlyList<X509Certificate2> roots,
        IEnumerable<X509Certificate2> intermediates,
        DateTimeOffset? at,
        string? usage,
        out string problem)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(roots);
        ArgumentNullException.ThrowIfNull(intermediates);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (usage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(usage));
        }

        foreach (var intermediate in intermediates)
        {
            chain.ChainPolicy.ExtraStore.Add(intermediate);
        }

        if (at is { } time)
        {
            chain.ChainPolicy.VerificationTime = time.UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
        }

        if (chain.Build(leaf))
        {
            problem = "";
            return true;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct(StringComparer.Ordinal).ToList();
        problem = statuses.Count == 0 ? "the chain could not be built" : string.Join(", ", statuses);
        return false;
    }

    /// <summary>
    /// A TLS server-certificate check that trusts exactly <paramref name="root"/>: the host name must match, the
    /// presented chain must lead to that root, and the certificate must be a server's (serverAuth usage): the same CA
    /// issues the nodes' client certificates, and none of them may stand in for the coordinator.
    /// </summary>
    /// <param name="coordinator">The address dialled: when given, a certificate from another CA is explained as TLS
    /// inspection (<see cref="Network.TlsInspection"/>) naming the host and port to exempt.</param>
    public static RemoteCertificateValidationCallback ServerValidator(X509Certificate2 root, Action<string>? onRejected = null, Action? onAccepted = null, Uri? coordinator = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        return ServerValidator([root], onRejected, onAccepted, coordinator);
    }

    /// <summary>As above, trusting any of <paramref name="roots"/> (the first is named when explaining a refusal).</summary>
    public static RemoteCertificateValidationCallback ServerValidator(IReadOnlyList<X509Certificate2> roots, Action<string>? onRejected = null, Action? onAccepted = null, Uri? coordinator = null)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var root = roots[0];
        return (_, certificate, chain, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                onRejected?.Invoke("the coordinator presented no certificate");
                return false;
            }

            // The chain first: an inspecting proxy's certificate usually also carries another name, and the issuer is what explains it.
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            if (!Builds(leaf, roots, Presented(chain), at: null, usage: null, out var problem))
            {
                onRejected?.Invoke(coordinator is null
                    ? $"the coordinator's certificate does not chain to the saved CA ({problem})"
                    : Network.TlsInspection.Explain(leaf, root, Network.TlsInspection.Endpoint(coordinator)));
                return false;
            }

            if (!Builds(leaf, roots, Presented(chain), at: null, ServerAuthOid, out problem))
            {
                onRejected?.Invoke($"the coordinator's certificate does not chain to the saved CA ({problem})");
                return false;
            }

            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                onRejected?.Invoke("the coordinator's certificate is not valid for the host name in coordinator.url");
                return false;
            }

            onAccepted?.Invoke();
            return true;
        };
    }

    /// <summary>The certificates the peer sent (and the platform found), to use as intermediates.</summary>
    public static IReadOnlyList<X509Certificate2> Presented(X509Chain? chain)
    {
        if (chain is null)
        {
            return [];
        }

        return
        [
            .. chain.ChainElements.Select(e => e.Certificate)
                .Concat(chain.ChainPolicy.ExtraStore)
                .DistinctBy(c => c.Thumbprint, StringComparer.Ordinal),
        ];
    }
}
