using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.Evaluation;

namespace Partages.Client;

/// <summary>
/// How an evaluator trusts the coordinator: only its own CA (given as a file, or fetched from the well-known address
/// and checked against a pin), never the machine's trust store; and the API token on every call.
/// </summary>
public static class CoordinatorTrust
{
    /// <summary>Where the coordinator publishes its CA certificate (PEM).</summary>
    public const string CaDiscoveryPath = "/.well-known/partages/ca.crt";

    private const int MaxPemBytes = 64 * 1024;

    /// <summary>SHA-256 of the certificate's DER bytes, lowercase hex: the CA pin the coordinator's admin prints.</summary>
    public static string Pin(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return ContentHash.Of(certificate.RawData);
    }

    /// <summary>Normalises a pin (optional <c>sha256:</c> prefix, ':' separators, any case); null if it is not 64 hex digits.</summary>
    public static string? NormalizePin(string? text)
    {
        var normalized = (text ?? "").Trim();
        if (normalized.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            normalized = normalized["sha256:".Length..];
        }

        normalized = normalized.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
        return ContentHash.IsWellFormed(normalized) ? normalized : null;
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="ca"/> alone.</summary>
    public static bool ChainsTo(X509Certificate? certificate, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <summary>
    /// Fetches the CA from <see cref="CaDiscoveryPath"/> and accepts it only if its SHA-256 is <paramref name="pin"/> and it
    /// issued the certificate the server presented. Nothing secret is sent in this request.
    /// </summary>
    /// <exception cref="CoordinatorTrustException">Unreachable, not a CA, or not the pinned one.</exception>
    public static async Task<X509Certificate2> FetchPinnedCaAsync(Uri coordinator, string pin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        X509Certificate2? presented = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            SslOptions =
            {
                // Any certificate is accepted for this one request: what it returns is checked against the pin, and
                // the certificate the server presented must then chain to it.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return certificate is not null;
                },
            },
        };
        using var http = new HttpClient(handler)
        {
            Timeout = timeout,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        string pem;
        try
        {
            using var response = await http.GetAsync(new Uri(coordinator, CaDiscoveryPath), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > MaxPemBytes)
            {
                throw new CoordinatorTrustException(false, $"{coordinator} does not publish a Partages CA certificate at {CaDiscoveryPath} (HTTP {(int)response.StatusCode}); is this the coordinator's URL?");
            }

            pem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new CoordinatorTrustException(true, $"Cannot reach the coordinator at {coordinator}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CoordinatorTrustException(true, $"The coordinator at {coordinator} did not answer within {timeout.TotalSeconds:0} s.", ex);
        }

        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new CoordinatorTrustException(false, $"{coordinator}{CaDiscoveryPath} is not a PEM certificate.", ex);
        }

        using (presented)
        {
            var found = Pin(ca);
            if (!string.Equals(found, pin, StringComparison.Ordinal))
            {
                ca.Dispose();
                throw new CoordinatorTrustException(false, $"The coordinator's CA has SHA-256 {found}, not the pinned {pin}; the token was not sent.");
            }

            if (!ChainsTo(presented, ca))
            {
                ca.Dispose();
                throw new CoordinatorTrustException(false, "The server's certificate was not issued by the pinned CA; the token was not sent.");
            }
        }

        return ca;
    }

    /// <summary>A gRPC channel over TLS that trusts only <paramref name="ca"/> and sends <paramref name="apiToken"/> on every call.</summary>
    public static GrpcChannel CreateChannel(Uri coordinator, X509Certificate2 ca, string apiToken)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, ca),
            },
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {apiToken}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(coordinator, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
            // A pooled result with many sites is one message.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }
}

/// <summary>The coordinator's CA could not be obtained or is not the expected one.</summary>
public sealed class CoordinatorTrustException : Exception
{
    public CoordinatorTrustException(bool unreachable, string message, Exception? inner = null)
        : base(message, inner) => Unreachable = unreachable;

    public CoordinatorTrustException()
    {
    }

    public CoordinatorTrustException(string message)
        : base(message)
    {
    }

    public CoordinatorTrustException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when nothing answered; false when something answered but is not the pinned coordinator.</summary>
    public bool Unreachable { get; }
}
