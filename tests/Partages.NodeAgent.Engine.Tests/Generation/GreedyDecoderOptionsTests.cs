using FluentAssertions;
using NUnit.Framework;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tests.Generation;

/// <summary>
/// The generation session's options: ONNX Runtime's memory pattern stays off, because a generation's decoder calls all
/// have different shapes and the pattern cache kept one plan per shape (docs/benchmarks.md, peak memory at 200, 2,000
/// and 5,000 reports).
/// </summary>
[TestFixture]
public sealed class GreedyDecoderOptionsTests
{
    [Test]
    public void CreateOptions_Default_MemoryPatternOffThreadsLeftToOnnxRuntime()
    {
        using var options = GreedyDecoder.CreateOptions();

        options.EnableMemoryPattern.Should().BeFalse();
        options.IntraOpNumThreads.Should().Be(0, "0 lets ONNX Runtime choose");
    }

    [Test]
    public void CreateOptions_Threads_SetsIntraOpThreads()
    {
        using var options = GreedyDecoder.CreateOptions(intraOpThreads: 2);

        options.IntraOpNumThreads.Should().Be(2);
        options.EnableMemoryPattern.Should().BeFalse();
    }
}
