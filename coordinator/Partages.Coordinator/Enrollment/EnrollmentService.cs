using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Pki;

namespace Partages.Coordinator.Enrollment;

/// <summary>
/// Turns a one-time enrollment token and a CSR into a node certificate signed by the coordinator's CA.
/// Called over TLS without a client certificate. Enrolling a known node name again (with a fresh token)
/// replaces its certificate and lifts a revocation: the operator chose to issue that token.
/// </summary>
// The one-time token in the request is the credential: a node has no certificate yet, so no policy applies.
[AllowAnonymous]
public sealed partial class EnrollmentService(
    IDbContextFactory<CoordinatorDbContext> dbFactory,
    CertificateAuthority ca,
    TimeProvider time,
    IOptions<CoordinatorOptions> options,
    ILogger<EnrollmentService> logger) : Partages.Contracts.V1.EnrollmentService.EnrollmentServiceBase
{
    public override async Task<EnrollResponse> Enroll(EnrollRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;
        if (string.IsNullOrWhiteSpace(request.EnrollmentToken))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "enrollment_token is required."));
        }

        if (string.IsNullOrWhiteSpace(request.CsrPem))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "csr_pem is required."));
        }

        var tokenHash = SecretTokens.Hash(request.EnrollmentToken.Trim());
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var token = await db.EnrollmentTokens.SingleOrDefaultAsync(t => t.TokenSha256 == tokenHash, ct).ConfigureAwait(false);
        if (token is null)
        {
            Log.TokenRefused(logger, "unknown");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The enrollment token is not valid."));
        }

        if (token.UsedAt is not null)
        {
            Log.TokenRefused(logger, $"already used for node '{token.NodeName}'");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The enrollment token has already been used; ask the coordinator's operator for a new one."));
        }

        if (token.ExpiresAt <= now)
        {
            Log.TokenRefused(logger, $"expired for node '{token.NodeName}'");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The enrollment token has expired; ask the coordinator's operator for a new one."));
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
        try
        {
            var (notBefore, notAfter) = options.Value.NodeCertificateValidity(now);
            certificate = ca.SignNodeCertificate(request.CsrPem, token.NodeName, notBefore, notAfter);
        }
        catch (CsrRejectedException ex)
        {
            Log.CsrRefused(logger, token.NodeName, ex.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }

        using (certificate)
        {
            // Consume the token only now, so a node whose CSR was refused can retry with the same token.
            var consumed = await db.EnrollmentTokens
                .Where(t => t.TokenSha256 == tokenHash && t.UsedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct).ConfigureAwait(false);
            if (consumed != 1)
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "The enrollment token has already been used; ask the coordinator's operator for a new one."));
            }

            var pem = certificate.ExportCertificatePem();
            var thumbprint = CertificateAuthority.Thumbprint(certificate);
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var node = await db.Nodes.SingleOrDefaultAsync(n => n.Name == token.NodeName, ct).ConfigureAwait(false);
            var replaced = node is not null;
            if (node is null)
            {
                node = new NodeEntity
                {
                    Id = "node_" + Guid.CreateVersion7().ToString("N"),
                    Name = token.NodeName,
                    CertificateSha256 = thumbprint,
                    CertificatePem = pem,
                };
                db.Nodes.Add(node);
            }

            node.Enroll(thumbprint, pem, notAfter, ca.Pin, now);
            db.CertificateEvents.Add(CertificateEvents.Enrolled(node.Name, thumbprint, notAfter, replaced, now));
            node.AgentVersion = request.AgentVersion ?? "";
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            Log.NodeEnrolled(logger, node.Name, thumbprint, replaced);
            return new EnrollResponse
            {
                NodeId = node.Id,
                NodeName = node.Name,
                CertificatePem = pem,
                CaCertificatePem = ca.CertificatePem,
                NotAfter = Timestamp.FromDateTimeOffset(notAfter),
            };
        }
    }

    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Information, "Node {Node} enrolled; certificate sha256 {Thumbprint} (replaced an earlier certificate: {Replaced}).")]
        public static partial void NodeEnrolled(ILogger logger, string node, string thumbprint, bool replaced);

        [LoggerMessage(201, LogLevel.Warning, "Enrollment refused: token {Why}.")]
        public static partial void TokenRefused(ILogger logger, string why);

        [LoggerMessage(202, LogLevel.Warning, "Enrollment of node {Node} refused: {Why}")]
        public static partial void CsrRefused(ILogger logger, string node, string why);
    }
}
