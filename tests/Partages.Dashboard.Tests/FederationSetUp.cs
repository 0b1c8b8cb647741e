namespace Partages.Dashboard.Tests;

/// <summary>One federation and one browser for every test of the assembly (a set-up fixture applies to its namespace and below).</summary>
[SetUpFixture]
public sealed class FederationSetUp
{
    private DashboardFederation? _federation;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // Kept before it starts: NUnit runs the teardown after a failed set-up too, and it must stop what had started.
        _federation = DashboardFederation.Create();
        await _federation.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_federation is not null)
        {
            await _federation.StopAsync();
        }
    }
}
