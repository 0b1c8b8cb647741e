using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Pki;

/// <summary>
/// Renews a node's certificate over its mutual-TLS session (NodeService.RenewCertificate). The session's certificate
/// names the node; the CSR brings a new key, and may not ask for another name. The certificate the node called with
/// stays accepted until it expires (<see cref="NodeEntity.PreviousCertificateSha256"/>), so a node that loses the
/// answer keeps working and renews again. Every renewal and every refusal is a row of the certificate audit.
/// </summary>
public sealed partial class CertificateRenewal(
    IDbContextFactory<CoordinatorDbContext> dbFactory,
    CertificateAuthority ca,
    TimeProvider time,
    IOptions<CoordinatorOptions> options,
    ILogger<CertificateRenewal> logger)
{
    /// <summary>The ErrorInfo reason of a CSR asking for another node's name.</summary>
    public const string NameMismatchReason = "CSR_NAME_MISMATCH";

    public const string ErrorDomain = "partages.v1";

    public async Task<RenewCertificateResponse> RenewAsync(NodeIdentity caller, string csrPem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var node = await db.Nodes.SingleOrDefaultAsync(n => n.Id == caller.Id, cancellationToken).ConfigureAwait(false);
        if (node is null || node.Revoked)
        {
            // Revoked between the call's authentication and now: as refused as at the door.
            await RefuseAsync(db, caller, "the node is revoked", now, cancellationToken).ConfigureAwait(false);
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, $"Node '{caller.Name}' has been revoked."));
        }

        if (string.IsNullOrWhiteSpace(csrPem))
        {
            await RefuseAsync(db, caller, "empty CSR", now, cancellationToken).ConfigureAwait(false);
            throw InvalidArgument.Field("csr_pem", "must not be empty", "csr_pem is required.");
        }

        CertificateRequest csr;
        try
        {
            csr = CertificateAuthority.LoadCsr(csrPem);
        }
        catch (CsrRejectedException ex)
        {
            await RefuseAsync(db, caller, ex.Message, now, cancellationToken).ConfigureAwait(false);
            throw InvalidArgument.Field("csr_pem", ex.Message, ex.Message);
        }

        if (CertificateAuthority.RequestedCommonName(csr) is { } asked && !string.Equals(asked, node.Name, StringComparison.Ordinal))
        {
            await RefuseAsync(db, caller, $"the CSR asks for CN={asked}", now, cancellationToken).ConfigureAwait(false);
            throw NameMismatch(node.Name, asked);
        }

        if (SameKey(node.CertificatePem, csr) || (node.PreviousCertificatePem is { } previous && SameKey(previous, csr)))
        {
            const string Reused = "must carry a new key (it carries the key of a certificate the node already holds)";
            await RefuseAsync(db, caller, "the CSR reuses a key", now, cancellationToken).ConfigureAwait(false);
            throw InvalidArgument.Field("csr_pem", Reused, "csr_pem " + Reused + ".");
        }

        var (notBefore, notAfter) = options.Value.NodeCertificateValidity(now);
        X509Certificate2 issued;
        try
        {
            issued = ca.Sign(csr, node.Name, notBefore, notAfter);
        }
        catch (CsrRejectedException ex)
        {
            await RefuseAsync(db, caller, ex.Message, now, cancellationToken).ConfigureAwait(false);
            throw InvalidArgument.Field("csr_pem", ex.Message, ex.Message);
        }

        using (issued)
        {
            // The certificate the node called with is the one it holds: keep exactly that one accepted, whether it is
            // the current one or the previous one (a node whose last renewal answer was lost).
            var callerIsCurrent = string.Equals(caller.CertificateSha256, node.CertificateSha256, StringComparison.Ordinal);
            var heldPem = callerIsCurrent ? node.CertificatePem : node.PreviousCertificatePem!;
            var heldNotAfter = callerIsCurrent ? node.CertificateNotAfter : node.PreviousCertificateNotAfter!.Value;
            var pem = issued.ExportCertificatePem();
            var sha256 = CertificateAuthority.Thumbprint(issued);
            var issuedNotAfter = new DateTimeOffset(issued.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            node.Renew(sha256, pem, issuedNotAfter, ca.IssuingPin, now, caller.CertificateSha256, heldPem, heldNotAfter);
            db.CertificateEvents.Add(CertificateEvents.Renewed(node.Name, sha256, issuedNotAfter, caller.CertificateSha256, heldNotAfter, ca.IssuingPin, now));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            Log.Renewed(logger, node.Name, sha256, issuedNotAfter, caller.CertificateSha256);
            return new RenewCertificateResponse
            {
                CertificatePem = pem,
                NotAfter = Timestamp.FromDateTimeOffset(issuedNotAfter),
                Trust = ca.Trust(),
            };
        }
    }

    /// <summary>PERMISSION_DENIED with an ErrorInfo naming both names: the session proves one node, the CSR asks for another.</summary>
    public static RpcException NameMismatch(string node, string asked)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.PermissionDenied,
            Message = $"This session is node '{node}''s; its CSR may not ask for CN={asked}. A node renews only its own certificate.",
            Details =
            {
                Any.Pack(new ErrorInfo { Reason = NameMismatchReason, Domain = ErrorDomain, Metadata = { ["node"] = node, ["requested_name"] = asked } }),
                Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "csr_pem", Description = $"asks for CN={asked}, not the calling node '{node}'" } } }),
            },
        };
        return status.ToRpcException();
    }

    private async Task RefuseAsync(CoordinatorDbContext db, NodeIdentity caller, string why, DateTimeOffset now, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        db.CertificateEvents.Add(CertificateEvents.RenewalRefused(caller.Name, caller.CertificateSha256, why, now));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        Log.Refused(logger, caller.Name, caller.CertificateSha256, why);
    }

    private static bool SameKey(string certificatePem, CertificateRequest csr)
    {
        using var held = X509Certificate2.CreateFromPem(certificatePem);
        return held.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(csr.PublicKey.ExportSubjectPublicKeyInfo());
    }

    private static partial class Log
    {
        [LoggerMessage(210, LogLevel.Information, "Node {Node} renewed its certificate: sha256 {Thumbprint}, valid until {NotAfter:u}; the certificate it called with ({Previous}) stays accepted until it expires.")]
        public static partial void Renewed(ILogger logger, string node, string thumbprint, DateTimeOffset notAfter, string previous);

        [LoggerMessage(211, LogLevel.Warning, "Certificate renewal of node {Node} (called with certificate {Thumbprint}) refused: {Why}.")]
        public static partial void Refused(ILogger logger, string node, string thumbprint, string why);
    }
}
