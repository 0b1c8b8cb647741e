namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>A fresh directory per test (<see cref="Temp"/>), deleted after it.</summary>
public abstract class TempDirectoryTestBase
{
    private protected TestDirectory Temp { get; private set; } = null!;

    [SetUp]
    public void CreateTemp() => Temp = new TestDirectory();

    [TearDown]
    public void DeleteTemp() => Temp.Dispose();
}
