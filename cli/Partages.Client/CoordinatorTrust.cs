using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.Trust;
using Partages.Trust.Network;

namespace Partages.Client;

/// <summary>
/// How an evaluator trusts the coordinator: only its own CA (given as a file, or fetched from the well-known address
/// and checked against a pin), never the machine's trust store; and the API token on every call. The checks
/// themselves are Partages.Trust's, shared with the node agent.
/// </summary>
public static class CoordinatorTrust
{
    /// <summary>Where the coordinator publishes its CA certificate (PEM).</summary>
    public const string CaDiscoveryPath = CaDiscovery.Path;

    // The CLI runs one command per process: the last refused handshake is the one its error message explains.
    private static string? s_lastRejection;

    /// <summary>Why the last TLS handshake refused the server (e.g. a proxy inspecting TLS), if one did.</summary>
    public static string? LastRejection => Volatile.Read(ref s_lastRejection);

    /// <summary>The evaluator's proxy: HTTPS_PROXY (credentials may be in its URL) and NO_PROXY, as curl reads them.</summary>
    /// <exception cref="CoordinatorTrustException">HTTPS_PROXY is set but unusable.</exception>
    public static ProxySettings? Proxy(Func<string, string?>? environment = null)
    {
        var proxy = ProxySettings.FromEnvironment(environment ?? Environment.GetEnvironmentVariable, out var problem);
        return problem is null ? proxy : throw new CoordinatorTrustException(false, $"{problem}; fix or unset it.");
    }

    /// <summary>SHA-256 of the certificate's DER bytes, lowercase hex: the CA pin the coordinator's admin prints.</summary>
    public static string Pin(X509Certificate2 certificate) => CaPin.Of(certificate);

    /// <summary>Normalises a pin (optional <c>sha256:</c> prefix, ':' separators, any case); null if it is not 64 hex digits.</summary>
    public static string? NormalizePin(string? text) => CaPin.Normalize(text);

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="ca"/> alone.</summary>
    public static bool ChainsTo(X509Certificate? certificate, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (certificate is null)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return TrustedChain.Builds(leaf, ca, [], at: null, out _);
    }

    /// <summary>
    /// Fetches the CA from <see cref="CaDiscoveryPath"/> and accepts it only if its SHA-256 is <paramref name="pin"/> and it
    /// issued the certificate the server presented (<see cref="CaDiscovery"/>, shared with the node's enrollment).
    /// Nothing secret is sent in this request.
    /// </summary>
    /// <exception cref="CoordinatorTrustException">Unreachable, not a CA, or not the pinned one.</exception>
    /// <param name="proxy">From HTTPS_PROXY / NO_PROXY (<see cref="Proxy"/>); null: direct.</param>
    public static async Task<X509Certificate2> FetchPinnedCaAsync(Uri coordinator, string pin, TimeSpan timeout, CancellationToken cancellationToken, ProxySettings? proxy = null)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        if (!CaPin.TryParse(pin, out var parsed, out var error) || parsed is null)
        {
            throw new CoordinatorTrustException(false, $"The CA pin is not valid: {error}.");
        }

        try
        {
            return await CaDiscovery.FetchAsync(coordinator, parsed, timeout, cancellationToken, proxy).ConfigureAwait(false);
        }
        catch (CaDiscoveryException ex) when (ex.Failure == CaDiscoveryFailure.Unreachable)
        {
            throw new CoordinatorTrustException(true, ex.Message, ex);
        }
        catch (CaDiscoveryException ex) when (ex.Failure == CaDiscoveryFailure.NotPublished)
        {
            throw new CoordinatorTrustException(false, ex.Message + " Is this the coordinator's URL?", ex);
        }
        catch (CaDiscoveryException ex)
        {
            throw new CoordinatorTrustException(false, ex.Message + " The token was not sent.", ex);
        }
    }

    /// <summary>A gRPC channel over TLS that trusts only <paramref name="ca"/> and sends <paramref name="apiToken"/> on every call.</summary>
    /// <param name="proxy">The HTTP proxy (<see cref="Proxy"/>: HTTPS_PROXY and NO_PROXY); null: direct.</param>
    public static GrpcChannel CreateChannel(Uri coordinator, X509Certificate2 ca, string apiToken, ProxySettings? proxy = null)
    {
        var handler = CoordinatorHttp.CreateHandler(proxy);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            // As the node's channel: the host name must match and the certificate must be a server's, issued by the CA;
            // a certificate from another CA is explained (TLS inspection) and refused.
            RemoteCertificateValidationCallback = TrustedChain.ServerValidator(ca, reason => Volatile.Write(ref s_lastRejection, reason), coordinator: coordinator),
        };
        handler.EnableMultipleHttp2Connections = true;
        handler.ConnectTimeout = TimeSpan.FromSeconds(10);
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {apiToken}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(coordinator, new GrpcChannelOptions
        {
            HttpClient = CoordinatorHttp.ForGrpc(handler),
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
