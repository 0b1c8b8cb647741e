using System.Diagnostics;
using Partages.Client;
using Partages.Coordinator.Admin;
using Partages.Demo.Federation;
using Partages.Testing.Provisioning;

namespace Partages.Benchmarks.Federation;

/// <summary>What the failover measured: a replica killed with its nodes' sessions open, and those nodes back on the others.</summary>
internal sealed record FailoverFigures(
    int Replicas,
    int MovedNodes,
    TimeSpan KillToAllBroken,
    TimeSpan KillToAllReconnected,
    TimeSpan KillToListedOnline,
    int ListedOnline,
    PhaseUsage Usage);

/// <summary>
/// The scale-out side of the federation benchmark (issue 18): the coordinator's database on a real PostgreSQL server
/// (started as the PostgreSQL tests start theirs, <see cref="PostgresServer"/>), several coordinator replicas sharing
/// it, nodes spread over them (node i on replica i mod N), and the failover: the last replica killed (SIGKILL) with its
/// sessions open, its nodes moving to the others. A simulated node reconnects as soon as its stream breaks, without the
/// agent's back-off, so the figure is what the surviving replicas take to accept them, not the agent's retry schedule.
/// </summary>
internal sealed class ScaleOut : IAsyncDisposable
{
    /// <summary>The test server's max_connections (PostgresServer), shared by the replicas and the admin operations.</summary>
    private const int MaxServerConnections = 180;

    private readonly FederationSettings _settings;
    private readonly List<(ManagedProcess Process, Uri Url)> _replicas = [];
    private PostgresServer? _postgres;

    private ScaleOut(FederationSettings settings) => _settings = settings;

    /// <summary>The coordinator's environment: the database selection, shared by every replica and the in-process admin operations.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<Uri> Urls => [.. _replicas.Select(r => r.Url)];

    /// <summary>Starts PostgreSQL when asked, before the coordinator (which must start on it).</summary>
    public static async Task<ScaleOut> PrepareAsync(FederationSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var scale = new ScaleOut(settings);
        if (!settings.Postgres)
        {
            return scale;
        }

        scale._postgres = await PostgresServer.StartAsync(cancellationToken).ConfigureAwait(false);
        // The server takes 200 connections (PostgresServer); Npgsql pools 100 per process by default, so three replicas
        // under a burst of results asked for more and calls failed with 53300 "too many clients" (a first run at 1,000
        // nodes): each replica gets its share, as a deployment must size it.
        var connectionString = await scale._postgres.CreateDatabaseAsync("partages_benchmark", cancellationToken).ConfigureAwait(false)
            + $";Maximum Pool Size={MaxServerConnections / (settings.Replicas + 1)}";
        scale.Environment = new Dictionary<string, string>
        {
            [AdminDatabase.ProviderVariable] = "postgresql",
            [AdminDatabase.ConnectionStringVariable] = connectionString,
        };
        // The enrollment tokens are issued in this process by the admin operation, which reads the same variables.
        foreach (var (name, value) in scale.Environment)
        {
            System.Environment.SetEnvironmentVariable(name, value);
        }

        progress.WriteLine($"PostgreSQL 15 on 127.0.0.1:{scale._postgres.Port} (fsync off, as the tests' server).");
        return scale;
    }

    /// <summary>Replica 0 is the federation's coordinator; the others are started on the same data dir and database.</summary>
    public async Task StartReplicasAsync(LocalFederation federation, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(federation);
        _replicas.Add((federation.Coordinator, federation.CoordinatorUrl));
        for (var i = 1; i < _settings.Replicas; i++)
        {
            var (process, url) = await federation.StartReplicaAsync(((char)('a' + i)).ToString(), cancellationToken).ConfigureAwait(false);
            _replicas.Add((process, url));
            progress.WriteLine($"Replica {i} pid {process.Id} at {url}");
        }
    }

    /// <summary>The replica node number <paramref name="index"/> holds its session on.</summary>
    public Uri UrlFor(int index) => _replicas[index % _replicas.Count].Url;

    /// <summary>CPU seconds and peak RSS of every replica still running, since it started.</summary>
    public IReadOnlyList<(int Pid, ProcessReading Reading)> Read() =>
        [.. _replicas.Where(r => !r.Process.HasExited).Select(r => (r.Process.Id, new ProcessMeter(r.Process.Id).Read()))];

    /// <summary>
    /// Kills the last replica and moves its nodes to the others (at most 64 TLS handshakes at once, as at setup);
    /// <paramref name="nodes"/> is updated in place. Then asks replica 0 how many nodes it lists online.
    /// </summary>
    public async Task<FailoverFigures> KillOneAsync(List<SimulatedNode> nodes, EvaluatorClient evaluator, ProcessMeter meter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(evaluator);
        var (victim, victimUrl) = _replicas[^1];
        var survivors = _replicas.Take(_replicas.Count - 1).Select(r => r.Url).ToList();
        var moving = Enumerable.Range(0, nodes.Count).Where(i => nodes[i].Coordinator == victimUrl).ToList();
        var usage = PhaseUsage.Start(meter);
        var killed = Stopwatch.GetTimestamp();
        await victim.KillAsync().ConfigureAwait(false);
        _replicas.RemoveAt(_replicas.Count - 1);

        long lastBroken = killed, lastWelcomed = killed;
        using var handshakes = new SemaphoreSlim(64);
        await Task.WhenAll(moving.Select(async (index, k) =>
        {
            var old = nodes[index];
            await old.Broken.WaitAsync(_settings.StepTimeout, cancellationToken).ConfigureAwait(false);
            InterlockedMax(ref lastBroken, Stopwatch.GetTimestamp());
            var moved = old.Reopen(survivors[k % survivors.Count]);
            await handshakes.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await moved.ConnectAsync(_settings.StepTimeout, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                handshakes.Release();
            }

            InterlockedMax(ref lastWelcomed, Stopwatch.GetTimestamp());
            lock (nodes)
            {
                nodes[index] = moved;
            }

            await old.DisposeAsync().ConfigureAwait(false);
        })).WaitAsync(_settings.StepTimeout * 2, cancellationToken).ConfigureAwait(false);

        var online = (await evaluator.ListNodesAsync(cancellationToken).ConfigureAwait(false)).Count(n => n.Online);
        var listed = Stopwatch.GetTimestamp();
        return new FailoverFigures(
            _replicas.Count + 1,
            moving.Count,
            Stopwatch.GetElapsedTime(killed, lastBroken),
            Stopwatch.GetElapsedTime(killed, lastWelcomed),
            Stopwatch.GetElapsedTime(killed, listed),
            online,
            usage());
    }

    public async ValueTask DisposeAsync()
    {
        // The replicas are the federation's (it stops them); the database server is this class's.
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
