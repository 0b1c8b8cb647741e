using Grpc.Core;
using Partages.Coordinator.Auth;

namespace Partages.Coordinator.Sessions;

/// <summary>An enrolled, non-revoked node, recognised by the SHA-256 of the client certificate it connected with.</summary>
public sealed record NodeIdentity(string Id, string Name, string CertificateSha256)
{
    /// <summary>The node <see cref="NodeCertificates"/> recognised for this call (the node policy let it through).</summary>
    public static NodeIdentity Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return NodeCertificates.Node(context.GetHttpContext().User);
    }
}
