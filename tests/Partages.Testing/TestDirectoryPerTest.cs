namespace Partages.Testing;

/// <summary>The base of a test class whose every test writes its files into a fresh <see cref="Scratch"/> folder, deleted after it.</summary>
public abstract class TestDirectoryPerTest
{
    /// <summary>This test's folder.</summary>
    protected TestDirectory Scratch { get; private set; } = null!;

    [SetUp]
    public void CreateScratchDirectory() => Scratch = new TestDirectory();

    [TearDown]
    public void DeleteScratchDirectory() => Scratch.Dispose();
}
