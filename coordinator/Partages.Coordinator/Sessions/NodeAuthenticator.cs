using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Pki;

namespace Partages.Coordinator.Sessions;

/// <summary>
/// The node plane's identity check. TLS already refused certificates that do not chain to the coordinator's CA;
/// here the certificate must also be the current certificate of an enrolled, non-revoked node.
/// </summary>
public sealed partial class NodeAuthenticator(IDbContextFactory<CoordinatorDbContext> dbFactory, ILogger<NodeAuthenticator> logger)
{
    public async Task<NodeIdentity> AuthenticateAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null)
        {
            Log.Refused(logger, context.Method, "no client certificate");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "A node client certificate is required; enroll the node first."));
        }

        var thumbprint = CertificateAuthority.Thumbprint(certificate);
        await using var db = await dbFactory.CreateDbContextAsync(context.CancellationToken).ConfigureAwait(false);
        var node = await db.Nodes.AsNoTracking()
            .SingleOrDefaultAsync(n => n.CertificateSha256 == thumbprint, context.CancellationToken).ConfigureAwait(false);
        if (node is null)
        {
            Log.Refused(logger, context.Method, $"certificate {thumbprint} belongs to no enrolled node (replaced by a later enrollment?)");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "This certificate is not the current certificate of an enrolled node."));
        }

        if (node.Revoked)
        {
            Log.Refused(logger, context.Method, $"node {node.Name} is revoked");
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Node '{node.Name}' has been revoked."));
        }

        return new NodeIdentity(node.Id, node.Name, thumbprint);
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning, "Node call {Method} refused: {Why}.")]
        public static partial void Refused(ILogger logger, string method, string why);
    }
}
