namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>A fresh fake coordinator (own CA, real mTLS on loopback), data directory and fake engine per test.</summary>
public abstract class FakeCoordinatorFixture
{
    protected TestPki Pki { get; private set; } = null!;

    protected FakeCoordinator Coordinator { get; private set; } = null!;

    protected TestDirectory Scratch { get; private set; } = null!;

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
        Scratch = new TestDirectory();
        Engine = new FakeEngine();
    }

    [TearDown]
    public async Task StopCoordinator()
    {
        await Coordinator.DisposeAsync();
        Pki.Dispose();
        Scratch.Dispose();
    }
}
