using System.Data.Common;
using System.Diagnostics.Metrics;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Telemetry;

/// <summary>
/// Gauges read when metrics are collected (a Prometheus scrape): nodes online from the session registry, runs and
/// evaluations by state from one grouped query each. Their meter comes from the host's <see cref="IMeterFactory"/>,
/// so it is disposed with the host and a stopped coordinator (as in the in-process tests) reports nothing.
/// </summary>
public sealed class CoordinatorGauges
{
    public CoordinatorGauges(IMeterFactory meterFactory, NodeSessionRegistry sessions, IDbContextFactory<CoordinatorDbContext> dbFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(dbFactory);
        var meter = meterFactory.Create(CoordinatorTelemetry.Name);
        meter.CreateObservableGauge("partages.nodes.online", () => sessions.Count, description: "Nodes with an open session now.");
        meter.CreateObservableGauge("partages.runs", () => CountByState(dbFactory, db => db.Runs.Select(r => r.Status), RunLifecycle.Name),
            description: "Runs by state (every run ever submitted; final states only grow).");
        meter.CreateObservableGauge("partages.node.certificate.remaining", () => CertificatesRemaining(dbFactory, time),
            unit: "s", description: "Seconds until each enrolled, non-revoked node's current certificate expires (negative once expired).");
        meter.CreateObservableGauge("partages.evaluations", () => CountByState(dbFactory, db => db.Evaluations.Select(e => e.Status), state => state.ToString().ToLowerInvariant()),
            description: "Evaluations by state.");
    }

    /// <summary>One measurement per node (label <c>node</c>); an alert on a low value catches a node that stopped renewing.</summary>
    private static IEnumerable<Measurement<double>> CertificatesRemaining(IDbContextFactory<CoordinatorDbContext> dbFactory, TimeProvider time)
    {
        List<(string Name, DateTimeOffset NotAfter)> nodes;
        try
        {
            using var db = dbFactory.CreateDbContext();
            nodes = [.. db.Nodes.AsNoTracking().Where(n => !n.Revoked).Select(n => new { n.Name, n.CertificateNotAfter }).AsEnumerable()
                .Select(n => (n.Name, n.CertificateNotAfter))];
        }
        catch (DbException)
        {
            return [];
        }

        var now = time.GetUtcNow();
        return nodes.Select(n => new Measurement<double>((n.NotAfter - now).TotalSeconds, new KeyValuePair<string, object?>("node", n.Name)));
    }

    /// <summary>One measurement per state of <typeparamref name="TStatus"/>, from one grouped query over <paramref name="statuses"/>.</summary>
    private static IEnumerable<Measurement<long>> CountByState<TStatus>(
        IDbContextFactory<CoordinatorDbContext> dbFactory, Func<CoordinatorDbContext, IQueryable<TStatus>> statuses, Func<TStatus, string> name)
        where TStatus : struct, Enum
    {
        Dictionary<TStatus, long> counts;
        try
        {
            using var db = dbFactory.CreateDbContext();
            counts = statuses(db).GroupBy(s => s).Select(g => new { g.Key, Count = g.LongCount() })
                .ToDictionary(g => g.Key, g => g.Count);
        }
        catch (DbException)
        {
            // A busy or unreadable database: skip this collection rather than fail the scrape.
            return [];
        }

        // Every state, zeros included, so a series does not vanish when its last entity moves on.
        return Enum.GetValues<TStatus>().Select(state => new Measurement<long>(
            counts.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", name(state))));
    }
}
