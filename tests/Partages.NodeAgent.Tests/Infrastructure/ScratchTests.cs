namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>
/// A test class whose tests each work in a fresh folder (<see cref="Scratch"/>), deleted after the test: created
/// before the class's own [SetUp], deleted after its own [TearDown].
/// </summary>
public abstract class ScratchTests
{
    protected TestDirectory Scratch { get; private set; } = null!;

    [SetUp]
    public void CreateScratch() => Scratch = new TestDirectory();

    [TearDown]
    public void DeleteScratch() => Scratch.Dispose();
}
