namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>
/// A fresh fake coordinator (own CA, real mTLS on loopback) and fake engine per test, next to the test's scratch
/// folder (created before the coordinator, deleted after it stops).
/// </summary>
public abstract class FakeCoordinatorFixture : TestDirectoryPerTest
{
    protected TestPki Pki { get; private set; } = null!;

    protected FakeCoordinator Coordinator { get; private set; } = null!;

    protected FakeEngine Engine { get; private set; } = null!;

    /// <summary>A model bundle of <paramref name="size"/> random bytes that the coordinator serves.</summary>
    protected byte[] ServedBundle(int size = 200_000)
    {
        var bundle = Offers.Bundle(size);
        Coordinator.AddArtifact(bundle);
        return bundle;
    }

    [SetUp]
    public async Task StartCoordinator()
    {
        Pki = new TestPki();
        Coordinator = await FakeCoordinator.StartAsync(Pki);
        Engine = new FakeEngine();
    }

    [TearDown]
    public async Task StopCoordinator()
    {
        await Coordinator.DisposeAsync();
        Pki.Dispose();
    }
}
