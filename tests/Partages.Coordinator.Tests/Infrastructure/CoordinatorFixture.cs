namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// One coordinator per test class, started with <see cref="Settings"/> and stopped at the end; the class fails if the
/// coordinator logged an error. A class needing more (tokens, nodes) adds its own [OneTimeSetUp], which NUnit runs
/// after this one.
/// </summary>
public abstract class CoordinatorFixture
{
    protected TestCoordinator Server { get; private set; } = null!;

    /// <summary>Command-line style settings (<c>--Coordinator:Name=value</c>) for this class's coordinator.</summary>
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
