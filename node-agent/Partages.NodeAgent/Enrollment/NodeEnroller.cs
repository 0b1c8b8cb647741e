using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Hosting;
using Partages.Trust;
using Partages.Trust.Network;

namespace Partages.NodeAgent.Enrollment;

public sealed record EnrollmentResult(string NodeId, string NodeName, DateTimeOffset NotAfter, IdentityFiles Files, string CaSha256);

/// <summary>
/// Enrolls the node once: generates its key here, fetches the coordinator's CA and checks it against the pin
/// (<see cref="CaDiscovery"/>), sends only a CSR and the one-time token over a connection trusting that CA alone, checks the returned certificate, and saves the identity files.
/// </summary>
public sealed partial class NodeEnroller(ILogger<NodeEnroller> logger)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The shared discovery (<see cref="CaDiscovery"/>), its failures told in the node's terms: what to check in node.yaml.</summary>
    private async Task<(Uri Address, X509Certificate2 Ca)> DiscoverCaAsync(NodeConfig config, CaPin pin, CancellationToken cancellationToken)
    {
        // Several addresses: the first that answers; only "nothing answered" moves on (a wrong pin is final).
        for (var i = 0; ; i++)
        {
            var coordinator = config.CoordinatorUrls[i];
            try
            {
                return (coordinator, await CaDiscovery.FetchAsync(coordinator, pin, Timeout, cancellationToken, config.Proxy).ConfigureAwait(false));
            }
            catch (CaDiscoveryException ex) when (ex.Failure == CaDiscoveryFailure.Unreachable && i + 1 < config.CoordinatorUrls.Count)
            {
                LogAddressUnreachable(logger, coordinator, ex.Message);
            }
            catch (CaDiscoveryException ex)
            {
                throw Explain(ex, config.Proxy is { } proxy && !proxy.Bypasses(coordinator) ? proxy : null);
            }
        }
    }

    /// <param name="proxy">The proxy the discovery went through, if any: an unreachable coordinator may be the proxy's doing.</param>
    private static EnrollmentException Explain(CaDiscoveryException ex, ProxySettings? proxy)
    {
        {
            var (failure, hint) = ex.Failure switch
            {
                CaDiscoveryFailure.Unreachable when proxy is not null => (EnrollmentFailure.Unreachable,
                    $" The request went through the proxy {proxy.Display} (from {proxy.Source}): check coordinator.proxy (or HTTPS_PROXY/NO_PROXY), that the proxy allows CONNECT to the coordinator's host and port, coordinator.url, and that the coordinator is running."),
                CaDiscoveryFailure.Unreachable => (EnrollmentFailure.Unreachable, " Check coordinator.url and that the coordinator is running."),
                CaDiscoveryFailure.NotPublished => (EnrollmentFailure.UntrustedCoordinator, " Check coordinator.url. The token was not sent."),
                CaDiscoveryFailure.WrongPin => (
                    EnrollmentFailure.UntrustedCoordinator,
                    " Refusing to enroll: check the --ca-sha256 value printed with the enrollment token, and that coordinator.url points at the coordinator. The token was not sent."),
                _ => (EnrollmentFailure.UntrustedCoordinator, " Refusing to enroll. The token was not sent."),
            };
            return new EnrollmentException(failure, ex.Message + hint, ex);
        }
    }

    /// <exception cref="EnrollmentException">Enrollment did not complete; <see cref="EnrollmentException.Failure"/> says why.</exception>
    public async Task<EnrollmentResult> EnrollAsync(NodeConfig config, string token, CaPin pin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(pin);
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new EnrollmentException(EnrollmentFailure.InvalidArguments, "The enrollment token is empty.");
        }

        var files = IdentityFiles.For(config);
        if (File.Exists(files.CertificatePath))
        {
            throw new EnrollmentException(
                EnrollmentFailure.AlreadyEnrolled,
                $"This node is already enrolled ({files.CertificatePath} exists). To enroll again, stop the agent and move the folder {files.Directory} away first.");
        }

        if (!Directory.Exists(config.DataDirectory))
        {
            SecureFile.CreateDirectory(config.DataDirectory, SecureFile.OwnerOnlyDirectory);
        }

        SecureFile.CreateDirectory(files.Directory, SecureFile.OwnerOnlyDirectory);

        using var key = SigningRequest.CreateKey();
        var csrPem = SigningRequest.CreatePem(key, config.Name);
        // The key is on disk before the token is spent, so a crash after the coordinator answered cannot leave
        // a certificate whose key is lost.
        SecureFile.WriteAllText(files.KeyPath, key.ExportPkcs8PrivateKeyPem(), SecureFile.OwnerReadWrite);
        var completed = false;
        try
        {
            var (address, discovered) = await DiscoverCaAsync(config, pin, cancellationToken).ConfigureAwait(false);
            var validator = new PinnedCaValidator(pin, discovered, address);
            var response = await CallEnrollAsync(address, config.Proxy, validator, token, csrPem, cancellationToken).ConfigureAwait(false);
            var result = SaveResponse(response, key, validator, files, config);
            completed = true;
            LogEnrolled(logger, result.NodeName, result.NodeId, result.NotAfter);
            return result;
        }
        finally
        {
            if (!completed)
            {
                File.Delete(files.KeyPath);
            }
        }
    }

    private async Task<EnrollResponse> CallEnrollAsync(Uri url, ProxySettings? proxy, PinnedCaValidator validator, string token, string csrPem, CancellationToken cancellationToken)
    {
        var handler = CoordinatorHttp.CreateHandler(proxy);
        handler.ConnectTimeout = Timeout;
        handler.SslOptions.RemoteCertificateValidationCallback = validator.Validate;
        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpClient = CoordinatorHttp.ForGrpc(handler),
            DisposeHttpClient = true,
        });
        var client = new EnrollmentService.EnrollmentServiceClient(channel);
        var request = new EnrollRequest { EnrollmentToken = token, CsrPem = csrPem, AgentVersion = AgentInfo.AgentVersion };
        try
        {
            return await client.EnrollAsync(request, deadline: DateTime.UtcNow.Add(Timeout), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException) when (validator.Rejection is { } rejection)
        {
            throw new EnrollmentException(
                EnrollmentFailure.UntrustedCoordinator,
                $"Refusing to enroll with {url}: {rejection}. The token was not sent.");
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new EnrollmentException(
                EnrollmentFailure.Unreachable,
                CoordinatorHttp.DescribeNetworkFailure(ex.Status.DebugException ?? ex, url, proxy) is { } network
                    ? $"Cannot reach the coordinator at {url}: {network}. The token was not sent."
                    : $"Cannot reach the coordinator at {url}: {RpcErrors.Describe(ex)}. Check coordinator.url and that the coordinator is running.",
                ex);
        }
        catch (RpcException ex)
        {
            throw new EnrollmentException(
                EnrollmentFailure.Refused,
                $"The coordinator refused the enrollment ({ex.StatusCode}): {RpcErrors.Describe(ex)}. Ask the coordinator's administrator for a new enrollment token.",
                ex);
        }
    }

    private static EnrollmentResult SaveResponse(EnrollResponse response, ECDsa key, PinnedCaValidator validator, IdentityFiles files, NodeConfig config)
    {
        X509Certificate2 certificate, ca;
        try
        {
            certificate = X509Certificate2.CreateFromPem(response.CertificatePem);
            ca = X509Certificate2.CreateFromPem(response.CaCertificatePem);
        }
        catch (CryptographicException ex)
        {
            throw new EnrollmentException(EnrollmentFailure.InvalidResponse, $"The coordinator returned an unreadable certificate: {ex.Message}", ex);
        }

        using (certificate)
        using (ca)
        {
            if (!validator.ConfirmAfterResponse(ca, out var untrusted))
            {
                throw new EnrollmentException(
                    EnrollmentFailure.UntrustedCoordinator,
                    $"Refusing the enrollment answer from {config.CoordinatorUrl}: {untrusted}. Nothing was saved. " +
                    "That server did see the enrollment token: ask the coordinator's operator for a new token " +
                    $"(and to revoke node '{config.Name}' if it shows as enrolled), then check coordinator.url and --ca-sha256.");
            }

            using var issuedKey = certificate.GetECDsaPublicKey();
            if (issuedKey is null || !issuedKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new EnrollmentException(EnrollmentFailure.InvalidResponse, "The certificate the coordinator returned is not for this node's key.");
            }

            if (!TrustedChain.Builds(certificate, ca, [], at: null, out var problem))
            {
                throw new EnrollmentException(EnrollmentFailure.InvalidResponse, $"The certificate the coordinator returned does not chain to its CA ({problem}).");
            }

            SecureFile.WriteAllText(files.CaCertificatePath, ca.ExportCertificatePem() + "\n", SecureFile.WorldReadable);
            SecureFile.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem() + "\n", SecureFile.WorldReadable);
            return new EnrollmentResult(
                response.NodeId,
                response.NodeName,
                new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
                files,
                CaPin.Of(ca));
        }
    }

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Cannot reach the coordinator at {Address} ({Reason}); trying the next address of coordinator.url")]
    private static partial void LogAddressUnreachable(ILogger logger, Uri address, string reason);

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Enrolled as node '{NodeName}' (id {NodeId}); certificate valid until {NotAfter:u}")]
    private static partial void LogEnrolled(ILogger logger, string nodeName, string nodeId, DateTimeOffset notAfter);
}

public enum EnrollmentFailure
{
    InvalidArguments,
    AlreadyEnrolled,
    UntrustedCoordinator,
    Unreachable,
    Refused,
    InvalidResponse,
}

/// <summary>Enrollment stopped; the message tells the operator what happened and what to do.</summary>
public sealed class EnrollmentException : Exception
{
    public EnrollmentException(EnrollmentFailure failure, string message, Exception? innerException = null)
        : base(message, innerException) => Failure = failure;

    public EnrollmentException()
    {
    }

    public EnrollmentException(string message)
        : base(message)
    {
    }

    public EnrollmentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EnrollmentFailure Failure { get; }
}
