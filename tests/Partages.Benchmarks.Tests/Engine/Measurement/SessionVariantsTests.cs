using Microsoft.ML.OnnxRuntime;
using Partages.Benchmarks.Engine.Measurement;

namespace Partages.Benchmarks.Tests.Engine.Measurement;

public sealed class SessionVariantsTests
{
    [Test]
    public void Get_UnknownName_ThrowsNamingEveryVariant()
    {
        var act = () => SessionVariants.Get("turbo");

        act.Should().Throw<ArgumentException>().WithMessage("*'turbo'*default*spinning on*");
    }

    [Test]
    public void Get_Default_ChangesNothing()
    {
        SessionVariants.Get(SessionVariants.Default).Should().BeNull();
    }

    [TestCase("optimisation basic")]
    [TestCase("optimisation extended")]
    [TestCase("memory pattern on")]
    [TestCase("cpu arena off")]
    public void Get_PropertyVariant_ChangesOnlyThatProperty(string name)
    {
        using var before = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, EnableMemoryPattern = false };
        using var after = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, EnableMemoryPattern = false };

        SessionVariants.Get(name)!(after);

        var changed = new[]
        {
            before.GraphOptimizationLevel != after.GraphOptimizationLevel,
            before.EnableMemoryPattern != after.EnableMemoryPattern,
            before.EnableCpuMemArena != after.EnableCpuMemArena,
        };
        changed.Count(c => c).Should().Be(1, $"'{name}' is one change from the engine's options");
    }
}
