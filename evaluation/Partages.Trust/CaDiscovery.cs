using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Partages.Trust;

/// <summary>Why the coordinator's CA could not be had from its well-known address.</summary>
public enum CaDiscoveryFailure
{
    /// <summary>Nothing answered, or not in time.</summary>
    Unreachable,

    /// <summary>Something answered, but publishes no CA certificate there (wrong URL?).</summary>
    NotPublished,

    /// <summary>What it published is not one PEM certificate (or is too large to be one).</summary>
    NotACertificate,

    /// <summary>The certificate is not the pinned one.</summary>
    WrongPin,

    /// <summary>The pinned CA did not issue the certificate the server presented.</summary>
    NotIssuedByPinnedCa,
}

/// <summary>The CA could not be fetched, or is not the pinned one; the message names what and where, for a person.</summary>
public sealed class CaDiscoveryException : Exception
{
    public CaDiscoveryException(CaDiscoveryFailure failure, string message, Exception? inner = null)
        : base(message, inner) => Failure = failure;

    public CaDiscoveryException()
    {
    }

    public CaDiscoveryException(string message)
        : base(message)
    {
    }

    public CaDiscoveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CaDiscoveryFailure Failure { get; }
}

/// <summary>
/// Fetches the coordinator's CA certificate from its well-known address and accepts it only if it has the pinned
/// SHA-256 and issued the certificate the server presented. Nothing secret is sent in this request; the caller's
/// secret (the node's one-time token, the evaluator's API token) is sent afterwards, on a connection that trusts only
/// the CA found here (as kubeadm's discovery hash does). Used by the node's enrollment and the CLI's login.
/// </summary>
public static class CaDiscovery
{
    /// <summary>Where the coordinator publishes its CA certificate (PEM).</summary>
    public const string Path = "/.well-known/partages/ca.crt";

    internal const int MaxPemBytes = 64 * 1024;

    /// <exception cref="CaDiscoveryException">The CA could not be fetched, or is not the pinned one.</exception>
    /// <param name="proxy">The HTTP proxy to tunnel through (<see cref="Network.CoordinatorHttp"/>); null: direct.</param>
    public static async Task<X509Certificate2> FetchAsync(Uri coordinator, CaPin pin, TimeSpan timeout, CancellationToken cancellationToken, Network.ProxySettings? proxy = null)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(pin);
        X509Certificate2? presented = null;
        using var handler = Network.CoordinatorHttp.CreateHandler(proxy);
        handler.ConnectTimeout = timeout;
        // Any certificate is accepted for this one request: what it returns is verified against the pin below,
        // and the certificate kept here must then chain to it.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return certificate is not null;
        };
        // HTTP/2 first: the coordinator serves both over ALPN, and a gRPC-only endpoint serves only HTTP/2.
        using var http = new HttpClient(handler)
        {
            Timeout = timeout,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        using (presented)
        {
            var pem = await ReadPemAsync(http, coordinator, timeout, proxy, cancellationToken).ConfigureAwait(false);
            X509Certificate2 ca;
            try
            {
                ca = X509Certificate2.CreateFromPem(pem);
            }
            catch (CryptographicException ex)
            {
                throw new CaDiscoveryException(CaDiscoveryFailure.NotACertificate, $"{coordinator}{Path} is not a PEM certificate.", ex);
            }

            if (!pin.Matches(ca))
            {
                var found = CaPin.Of(ca);
                ca.Dispose();
                throw new CaDiscoveryException(CaDiscoveryFailure.WrongPin, $"The CA certificate of {coordinator} has SHA-256 {found}, not the pinned {pin}.");
            }

            if (presented is null || !TrustedChain.Builds(presented, ca, [], at: null, out _))
            {
                var why = presented is null
                    ? $"The certificate {coordinator} presented was not issued by the pinned CA."
                    : "Refused: " + Network.TlsInspection.Explain(presented, ca, Network.TlsInspection.Endpoint(coordinator)) + ".";
                ca.Dispose();
                throw new CaDiscoveryException(CaDiscoveryFailure.NotIssuedByPinnedCa, why);
            }

            return ca;
        }
    }

    private static async Task<string> ReadPemAsync(HttpClient http, Uri coordinator, TimeSpan timeout, Network.ProxySettings? proxy, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(coordinator, Path), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new CaDiscoveryException(
                    CaDiscoveryFailure.NotPublished,
                    $"{coordinator} does not publish a Partages CA certificate ({Path} answered {(int)response.StatusCode}).");
            }

            // Bounded whatever the headers say: a server that announces no length cannot make this read without end.
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[MaxPemBytes + 1];
                var length = 0;
                int read;
                while (length < buffer.Length
                    && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                }

                if (length > MaxPemBytes || response.Content.Headers.ContentLength > MaxPemBytes)
                {
                    throw new CaDiscoveryException(CaDiscoveryFailure.NotACertificate, $"{coordinator}{Path} is too large to be a CA certificate.");
                }

                return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
            }
        }
        catch (HttpRequestException ex)
        {
            var why = Network.CoordinatorHttp.DescribeNetworkFailure(ex, coordinator, proxy) ?? ex.Message.TrimEnd('.');
            throw new CaDiscoveryException(CaDiscoveryFailure.Unreachable, $"Cannot reach the coordinator at {coordinator}: {why}.", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CaDiscoveryException(CaDiscoveryFailure.Unreachable, $"The coordinator at {coordinator} did not answer within {timeout.TotalSeconds:0} s.", ex);
        }
    }
}
