using Microsoft.Extensions.Hosting;

namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>Driving the coordinator's lease monitor from a test, on the coordinator's hand-driven clock.</summary>
public static class LeaseChecks
{
    /// <summary>Moves the clock and waits until the lease monitor has run its check at the new time.</summary>
    public static async Task AdvanceAndCheckAsync(this TestCoordinator server, TimeSpan by)
    {
        ArgumentNullException.ThrowIfNull(server);
        var monitor = server.App.Services.GetServices<IHostedService>().OfType<LeaseMonitor>().Single();
        var checkedOnce = monitor.NextCheck;
        server.Time.Advance(by);
        await checkedOnce.WaitAsync(TestCoordinator.CallTimeout);
    }
}
