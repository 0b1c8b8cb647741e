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
    public CoordinatorGauges(IMeterFactory meterFactory, NodeSessionRegistry sessions, IDbContextFactory<CoordinatorDbContext> dbFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(dbFactory);
        var meter = meterFactory.Create(CoordinatorTelemetry.Name);
        meter.CreateObservableGauge("partages.nodes.online", () => sessions.Count, description: "Nodes with an open session now.");
        meter.CreateObservableGauge("partages.runs", () => RunsByState(dbFactory), description: "Runs by state (every run ever submitted; final states only grow).");
        meter.CreateObservableGauge("partages.evaluations", () => EvaluationsByState(dbFactory), description: "Evaluations by state.");
    }

    private static IEnumerable<Measurement<long>> RunsByState(IDbContextFactory<CoordinatorDbContext> dbFactory)
    {
        Dictionary<RunStatus, long> counts;
        try
        {
            using var db = dbFactory.CreateDbContext();
            counts = db.Runs.AsNoTracking().GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.LongCount() })
                .ToDictionary(g => g.Key, g => g.Count);
        }
        catch (DbException)
        {
            // A busy or unreadable database: skip this collection rather than fail the scrape.
            return [];
        }

        // Every state, zeros included, so a series does not vanish when its last run moves on.
        return Enum.GetValues<RunStatus>().Select(state => new Measurement<long>(
            counts.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", RunLifecycle.Name(state))));
    }

    private static IEnumerable<Measurement<long>> EvaluationsByState(IDbContextFactory<CoordinatorDbContext> dbFactory)
    {
        Dictionary<EvaluationStatus, long> counts;
        try
        {
            using var db = dbFactory.CreateDbContext();
            counts = db.Evaluations.AsNoTracking().GroupBy(e => e.Status).Select(g => new { g.Key, Count = g.LongCount() })
                .ToDictionary(g => g.Key, g => g.Count);
        }
        catch (DbException)
        {
            return [];
        }

        return Enum.GetValues<EvaluationStatus>().Select(state => new Measurement<long>(
            counts.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant())));
    }
}
