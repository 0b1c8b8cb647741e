namespace Partages.Demo.Federation;

public sealed partial class LocalFederation
{
    /// <summary>
    /// Starts the gateway (coordinator/Partages.Gateway, docs/deployment.md "Gateway") in front of
    /// <paramref name="replicas"/> on a free port, serving the coordinator's own server certificate (its SANs cover
    /// 127.0.0.1, and evaluators trust the coordinator's CA) and trusting that CA for the replicas; stopped with the
    /// federation. Health checks run every second here, so a killed replica is left out quickly.
    /// </summary>
    public async Task<(ManagedProcess Process, Uri Url)> StartGatewayAsync(IReadOnlyList<Uri> replicas, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var pki = Path.Combine(CoordinatorDataDirectory, "pki");
        string[] arguments =
        [
            "--urls", "https://127.0.0.1:0",
            .. replicas.Select((url, i) => $"--Gateway:Replicas:{i}={url.ToString().TrimEnd('/')}"),
            $"--Gateway:ReplicaCaFile={Path.Combine(pki, "ca.crt")}",
            $"--Gateway:Tls:PfxFile={Path.Combine(pki, "server.pfx")}",
            "--Gateway:HealthCheckIntervalSeconds=1",
            "--Gateway:HealthCheckTimeoutSeconds=1",
        ];
        return await StartListeningAsync("gateway", Executables.Gateway, arguments, environment: null, cancellationToken).ConfigureAwait(false);
    }
}
