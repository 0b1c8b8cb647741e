using Partages.Testing.Provisioning;

namespace Partages.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The replicated deployment the replica and gateway tests share, as real processes: one real PostgreSQL server, the
/// federation's coordinator as replica A and a second replica B on the same database and data dir (docs/coordinator.md,
/// "Replicas"), nodes heartbeating every second so a dead replica is noticed quickly, and the demo bundle pinned.
/// <see cref="DisposeAsync"/> stops every process, then the database server; the work directory (the logs) stays
/// unless the test called <see cref="Passed"/>.
/// </summary>
internal sealed class ReplicatedFederation(PostgresServer postgres, LocalFederation federation, string workDirectory, ManagedProcess replicaB, Uri urlB)
    : IAsyncDisposable
{
    private bool _passed;

    public LocalFederation Federation => federation;

    public string WorkDirectory => workDirectory;

    public ManagedProcess ReplicaA => federation.Coordinator;

    public Uri UrlA => federation.CoordinatorUrl;

    public ManagedProcess ReplicaB => replicaB;

    public Uri UrlB => urlB;

    /// <summary>Starts PostgreSQL with the database <c>partages_&lt;name&gt;</c>, replica A on it, then replica B.</summary>
    public static async Task<ReplicatedFederation> StartAsync(string name, CancellationToken cancellationToken)
    {
        var postgres = await PostgresServer.StartAsync(cancellationToken);
        LocalFederation? federation = null;
        try
        {
            var connectionString = await postgres.CreateDatabaseAsync($"partages_{name}", cancellationToken);
            var work = FederationSupport.NewWorkDirectory(name);
            federation = await LocalFederation.StartAsync(new FederationOptions
            {
                WorkDirectory = work,
                DifferentialPrivacy = "off",
                NodeHeartbeatSeconds = 1,
                StartTimeout = TimeSpan.FromMinutes(3),
                PinnedBundleSha256 = [TestAssets.Assets.BundleSha256],
                CoordinatorEnvironment = new Dictionary<string, string>
                {
                    ["Coordinator__Database__Provider"] = "postgresql",
                    ["Coordinator__Database__ConnectionString"] = connectionString,
                },
            }, cancellationToken);
            var (replicaB, urlB) = await federation.StartReplicaAsync("b", cancellationToken);
            return new ReplicatedFederation(postgres, federation, work, replicaB, urlB);
        }
        catch
        {
            if (federation is not null)
            {
                await federation.DisposeAsync();
            }

            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts node <paramref name="name"/> on hospital <paramref name="hospital"/>'s AMR reports, listing both replicas
    /// with <paramref name="preferred"/> first, and waits until it has connected to it.
    /// </summary>
    public async Task<NodeHandle> AddNodeAsync(string name, int hospital, ManagedProcess preferred, CancellationToken cancellationToken, string? approval = null)
    {
        Uri[] urls = preferred == ReplicaA ? [UrlA, UrlB] : [UrlB, UrlA];
        var node = await Federation.AddNodeAsync(name, [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[hospital].AmrPath)],
            new NodeSettings { CoordinatorUrls = urls, Approval = approval }, cancellationToken);
        await WaitConnectedAsync(preferred, name, cancellationToken);
        return node;
    }

    /// <summary>Waits until <paramref name="replica"/> logs that node <paramref name="node"/> connected to it.</summary>
    public static Task WaitConnectedAsync(ManagedProcess replica, string node, CancellationToken cancellationToken) =>
        replica.WaitForLineAsync(new Regex($"Node {node} connected"), TimeSpan.FromMinutes(2), cancellationToken);

    /// <summary>The test's checks held: its logs need not stay.</summary>
    public void Passed() => _passed = true;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await federation.DisposeAsync();
        }
        finally
        {
            await postgres.DisposeAsync();
        }

        if (_passed)
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
    }
}
