using Microsoft.Extensions.Options;
using Partages.Coordinator.Hosting;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// Every LeaseCheckIntervalSeconds (on the injected <see cref="TimeProvider"/>, so tests drive it): fails runs
/// whose lease expired, closes evaluations past their deadline and those that wait only for nodes offline since
/// submission past the grace period. At start, grants open leases a grace period
/// for the time the coordinator was down.
/// </summary>
public sealed partial class LeaseMonitor(
    LeaseKeeper leases,
    TimeProvider time,
    IOptions<CoordinatorOptions> options,
    ILogger<LeaseMonitor> logger) : PeriodicCheck(time)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.LeaseCheckIntervalSeconds);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await leases.GraceLeasesAfterStartAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task CheckAsync(CancellationToken stoppingToken)
    {
        try
        {
            var expired = await leases.ExpireLeasesAsync(stoppingToken).ConfigureAwait(false);
            var overdue = await leases.CloseOverdueEvaluationsAsync(stoppingToken).ConfigureAwait(false);
            var withoutOffline = await leases.CloseWithoutOfflineSitesAsync(stoppingToken).ConfigureAwait(false);
            if (expired + overdue + withoutOffline > 0)
            {
                Log.Checked(logger, expired, overdue, withoutOffline);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One failed check (database busy, disk full) must not stop the monitor; the next tick retries.
            Log.CheckFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(420, LogLevel.Information, "Lease monitor: {Expired} run(s) failed on expired leases, {Overdue} evaluation(s) closed at their deadline, {WithoutOffline} closed without their offline nodes.")]
        public static partial void Checked(ILogger logger, int expired, int overdue, int withoutOffline);

        [LoggerMessage(421, LogLevel.Error, "Lease monitor check failed; retrying at the next tick.")]
        public static partial void CheckFailed(ILogger logger, Exception exception);
    }
}
