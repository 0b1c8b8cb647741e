namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// One coordinator per test class, started with the class's <see cref="Settings"/>; at the end it is stopped and the
/// class fails if it logged an error. A class needing more adds its own [OneTimeSetUp], which NUnit runs after this one.
/// </summary>
public abstract class CoordinatorFixture
{
    protected TestCoordinator Server { get; private set; } = null!;

    /// <summary>Command-line settings of the coordinator (<c>--Coordinator:LeaseSeconds=5</c>).</summary>
    protected virtual string[] Settings => [];

    [OneTimeSetUp]
    public async Task StartCoordinatorAsync() => Server = await TestCoordinator.StartAsync(settings: Settings);

    [OneTimeTearDown]
    public async Task StopCoordinatorAsync()
    {
        var errors = Server.Errors.Errors.ToList();
        await Server.DisposeAsync();
        errors.Should().BeEmpty();
    }
}
