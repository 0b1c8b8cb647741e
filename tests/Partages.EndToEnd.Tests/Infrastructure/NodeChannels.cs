using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Partages.EndToEnd.Tests.Infrastructure;

/// <summary>Node-plane channels for tests that act with a real node's own enrolled identity (its key never leaves its data dir otherwise).</summary>
public static class NodeChannels
{
    /// <summary>A channel with the node's identity as its agent enrolled it: client certificate and the CA it pins.</summary>
    public static GrpcChannel For(Uri coordinator, string nodeDataDirectory)
    {
        var identity = Path.Combine(nodeDataDirectory, "identity");
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(identity, "node.crt"), Path.Combine(identity, "node.key"));
        var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(identity, "ca.crt"));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [client],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => LocalFederation.ChainsTo(certificate, ca),
            },
        };
        return GrpcChannel.ForAddress(coordinator, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
