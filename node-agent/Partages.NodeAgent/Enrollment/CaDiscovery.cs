using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.NodeAgent.Connectivity;

namespace Partages.NodeAgent.Enrollment;

/// <summary>
/// Fetches the coordinator's CA certificate from its well-known address and accepts it only if it has the pinned
/// SHA-256 and issued the certificate the server presented. Nothing secret is sent in this request; the one-time
/// token is sent afterwards, on a connection that trusts only the CA found here (as kubeadm's discovery hash does).
/// </summary>
internal static class CaDiscovery
{
    public const string Path = "/.well-known/partages/ca.crt";

    private const int MaxPemBytes = 64 * 1024;

    /// <exception cref="EnrollmentException">The CA could not be fetched, or is not the pinned one.</exception>
    public static async Task<X509Certificate2> FetchAsync(Uri coordinator, CaPin pin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        X509Certificate2? presented = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            // Any certificate is accepted for this one request: what it returns is verified against the pin below,
            // and the certificate kept here must then chain to it.
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return certificate is not null;
                },
            },
        };
        // HTTP/2 first: the coordinator serves both over ALPN, and a gRPC-only endpoint serves only HTTP/2.
        using var http = new HttpClient(handler)
        {
            Timeout = timeout,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        string pem;
        try
        {
            using var response = await http.GetAsync(new Uri(coordinator, Path), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new EnrollmentException(
                    EnrollmentFailure.UntrustedCoordinator,
                    $"{coordinator} does not publish a Partages CA certificate ({Path} answered {(int)response.StatusCode}); check coordinator.url. The token was not sent.");
            }

            if (response.Content.Headers.ContentLength > MaxPemBytes)
            {
                throw new EnrollmentException(EnrollmentFailure.UntrustedCoordinator, $"{coordinator}{Path} is too large to be a CA certificate. The token was not sent.");
            }

            pem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new EnrollmentException(
                EnrollmentFailure.Unreachable,
                $"Cannot reach the coordinator at {coordinator}: {ex.Message}. Check coordinator.url and that the coordinator is running.",
                ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EnrollmentException(EnrollmentFailure.Unreachable, $"The coordinator at {coordinator} did not answer within {timeout.TotalSeconds:0} s.", ex);
        }

        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new EnrollmentException(EnrollmentFailure.UntrustedCoordinator, $"{coordinator}{Path} is not a PEM certificate. The token was not sent.", ex);
        }

        if (!pin.Matches(ca))
        {
            var found = CaPin.Of(ca);
            ca.Dispose();
            throw new EnrollmentException(
                EnrollmentFailure.UntrustedCoordinator,
                $"Refusing to enroll with {coordinator}: its CA certificate has SHA-256 {found}, not the pinned {pin}. " +
                "Check the --ca-sha256 value printed with the enrollment token, and that coordinator.url points at the coordinator. The token was not sent.");
        }

        using (presented)
        {
            if (presented is null || !TrustedChain.Builds(presented, ca, [], at: null, out var problem))
            {
                ca.Dispose();
                throw new EnrollmentException(
                    EnrollmentFailure.UntrustedCoordinator,
                    $"Refusing to enroll with {coordinator}: the server's certificate was not issued by the pinned CA. The token was not sent.");
            }
        }

        return ca;
    }
}
