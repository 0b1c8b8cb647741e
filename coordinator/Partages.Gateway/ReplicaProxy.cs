using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Partages.Gateway;

/// <summary>
/// The YARP configuration: one cluster of every replica, health-checked actively (<c>GET /readyz</c>, the database
/// answers) and passively (transport failures of forwarded requests), and one catch-all route to it. The client's Host
/// header is kept, so the dashboard's same-origin checks and its redirects name the gateway, not a replica.
/// </summary>
public static class ReplicaProxy
{
    public const string ClusterId = "replicas";

    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    public static IReverseProxyBuilder AddReplicaProxy(this IServiceCollection services, GatewaySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Options;
        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
            Destinations = settings.Replicas.Select((url, i) => (url, i))
                .ToDictionary(d => $"replica-{d.i}", d => new DestinationConfig { Address = d.url.ToString() }, StringComparer.Ordinal),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = TimeSpan.FromSeconds(options.HealthCheckIntervalSeconds),
                    Timeout = TimeSpan.FromSeconds(options.HealthCheckTimeoutSeconds),
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    Path = "/readyz",
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                    ReactivationPeriod = TimeSpan.FromSeconds(options.PassiveReactivationSeconds),
                },
            },
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ConsecutiveFailuresHealthPolicyOptions.ThresholdMetadataName] = options.HealthCheckFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            HttpRequest = new ForwarderRequestConfig
            {
                // gRPC needs HTTP/2; the replicas offer it by ALPN on their one TLS port.
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
                ActivityTimeout = TimeSpan.FromSeconds(options.StreamIdleTimeoutSeconds),
            },
        };
        var route = new RouteConfig
        {
            RouteId = "evaluator-dashboard-api",
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = "/{**rest}" },
            Transforms = [new Dictionary<string, string>(StringComparer.Ordinal) { ["RequestHeaderOriginalHost"] = "true" }],
        };

        return services.AddReverseProxy()
            .LoadFromMemory([route], [cluster])
            .ConfigureHttpClient((_, handler) =>
            {
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsReplica(certificate, errors, settings.ReplicaCas);
                // Many evaluators' streams share the connections to a replica; more than 100 at once need another connection.
                handler.EnableMultipleHttp2Connections = true;
            });
    }

    /// <summary>
    /// A replica's certificate must name the host the gateway dialled and chain, for server authentication, to the
    /// coordinator's CA alone: the machine's store plays no part, and a node's certificate (clientAuth only) is refused.
    /// </summary>
    public static bool IsReplica(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection cas)
    {
        ArgumentNullException.ThrowIfNull(cas);
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthOid));
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <summary>Replicas that may take requests now (neither check marks them unhealthy), of all listed.</summary>
    public static (int Available, int Total) Availability(IProxyStateLookup state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.TryGetCluster(ClusterId, out var cluster))
        {
            return (0, 0);
        }

        var destinations = cluster.Destinations.Values;
        return (destinations.Count(d => d.Health.Active != DestinationHealth.Unhealthy && d.Health.Passive != DestinationHealth.Unhealthy), destinations.Count);
    }
}
