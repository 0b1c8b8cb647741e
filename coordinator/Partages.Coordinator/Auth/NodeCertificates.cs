using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Partages.Coordinator.Pki;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Auth;

/// <summary>
/// The node plane's identity: ASP.NET Core's certificate authentication, trusting the coordinator's CA only (a custom
/// trust store; the system's roots play no part), then <see cref="Events"/> map the certificate to the enrolled,
/// non-revoked node whose current certificate it is (or whose previous one, replaced by a renewal, until it expires). TLS has already refused certificates that do not chain to the CA
/// (<see cref="ServerTls"/>); a certificate replaced by a later enrollment, or a revoked node, is refused here, on
/// every call, so a revocation takes effect at the node's next call.
/// </summary>
public static partial class NodeCertificates
{
    public const string SchemeName = "NodeCertificate";

    public const string NodeIdClaim = "partages:node_id";

    public const string CertificateSha256Claim = "partages:node_certificate_sha256";

    public static AuthenticationBuilder AddNodeCertificates(this AuthenticationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<Events>();
        builder.AddCertificate(SchemeName, options =>
        {
            options.AllowedCertificateTypes = CertificateTypes.Chained;
            options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
            options.RevocationMode = X509RevocationMode.NoCheck;
            options.ValidateCertificateUse = true;
            // The handler checks validity against the machine's clock; Events checks it again against the coordinator's
            // TimeProvider, as the TLS handshake did, so both checks agree with the clock that signed the certificate.
            options.ValidateValidityPeriod = false;
            options.EventsType = typeof(Events);
        });
        builder.Services.AddOptions<CertificateAuthenticationOptions>(SchemeName)
            .Configure<CertificateAuthority>((options, authority) => options.CustomTrustStore.AddRange(authority.TrustedRoots.ToArray()));
        return builder;
    }

    /// <summary>The node the certificate authentication recognised for this call.</summary>
    public static NodeIdentity Node(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirst(NodeIdClaim) is { } id
            ? new NodeIdentity(id.Value, user.Identity?.Name ?? "", user.FindFirst(CertificateSha256Claim)?.Value ?? "")
            : throw new InvalidOperationException("The call was not authorized by the node policy.");
    }

    /// <summary>From a certificate that chains to the CA to the node it belongs to, or the reason it belongs to none.</summary>
    internal sealed partial class Events(
        IDbContextFactory<CoordinatorDbContext> dbFactory,
        CertificateAuthority authority,
        TimeProvider time,
        ILogger<Events> logger) : CertificateAuthenticationEvents
    {
        public override async Task CertificateValidated(CertificateValidatedContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var certificate = context.ClientCertificate;
            var thumbprint = CertificateAuthority.Thumbprint(certificate);
            var now = time.GetUtcNow();
            if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
            {
                // Possible on a connection opened while it was still valid: TLS checked it only at the handshake.
                Refuse(context, thumbprint, "it is outside its validity period", "The node certificate has expired or is not yet valid; enroll the node again.");
                return;
            }

            if (!authority.IsValidClientCertificate(certificate, now))
            {
                Refuse(context, thumbprint, "it does not chain to the coordinator's CA", "This certificate is not the current certificate of an enrolled node.");
                return;
            }

            var ct = context.HttpContext.RequestAborted;
            await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
            // The current certificate, or the one a renewal replaced (until it expires: checked above).
            var node = await db.Nodes.AsNoTracking()
                .SingleOrDefaultAsync(n => n.CertificateSha256 == thumbprint || n.PreviousCertificateSha256 == thumbprint, ct).ConfigureAwait(false);
            if (node is null)
            {
                Refuse(context, thumbprint, "it belongs to no enrolled node (replaced by a later enrollment?)", "This certificate is not the current certificate of an enrolled node.");
            }
            else if (node.Revoked)
            {
                Refuse(context, thumbprint, $"node {node.Name} is revoked", $"Node '{node.Name}' has been revoked.");
                if (context.HttpContext.Request.Path.Value?.EndsWith("/" + nameof(Contracts.V1.NodeService.NodeServiceBase.RenewCertificate), StringComparison.Ordinal) == true)
                {
                    // A revoked node trying to renew is worth a line in the certificate audit, not only in the log.
                    db.CertificateEvents.Add(Pki.CertificateEvents.RenewalRefused(node.Name, thumbprint, "the node is revoked", now));
                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                }
            }
            else
            {
                context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                    [new Claim(ClaimTypes.Name, node.Name), new Claim(NodeIdClaim, node.Id), new Claim(CertificateSha256Claim, thumbprint)],
                    SchemeName));
                context.Success();
            }
        }

        private void Refuse(CertificateValidatedContext context, string thumbprint, string why, string answer)
        {
            Log.Refused(logger, context.HttpContext.Request.Path, thumbprint, why);
            context.Fail(answer);
        }

        private static partial class Log
        {
            [LoggerMessage(300, LogLevel.Warning, "Node call {Path} refused: certificate {Thumbprint}: {Why}.")]
            public static partial void Refused(ILogger logger, string path, string thumbprint, string why);
        }
    }
}
