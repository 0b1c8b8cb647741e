using FluentAssertions;
using NUnit.Framework;
using Partages.Benchmarks.Generation;

namespace Partages.Benchmarks.Tests.Generation;

[TestFixture]
public sealed class GenerationBenchmarkSettingsTests
{
    [Test]
    public void Validate_EverySettingOutOfRange_ListsEachOption()
    {
        var errors = Defaults() with
        {
            Reports = 0,
            NewTokens = 0,
            Rounds = -1,
            ComputeLayers = 2,
            ComputeWidth = 4,
            Threads = -1,
            MemoryReports = [200, 0],
        };

        var listed = errors.Validate();

        listed.Should().HaveCount(6);
        foreach (var option in (string[])["--reports", "--new-tokens", "--rounds", "compute width", "--threads", "--memory-reports"])
        {
            listed.Should().Contain(e => e.Contains(option, StringComparison.Ordinal), option);
        }
    }

    [Test]
    public void Validate_NegativeComputeLayers_Refused() =>
        (Defaults() with { ComputeLayers = -1 }).Validate().Should().ContainSingle().Which.Should().Contain("--compute-layers");

    [Test]
    public void Compute_NoLayers_IsTheKitsModelAlone()
    {
        Defaults().Compute.Should().BeNull();
        (Defaults() with { ComputeLayers = 8, ComputeWidth = 512 }).Compute.Should().Be(new Partages.ModelKit.Generative.ComputeSize(8, 512));
    }

    [Test]
    public void Validate_Defaults_NoError() => Defaults().Validate().Should().BeEmpty();

    private static GenerationBenchmarkSettings Defaults() =>
        new(Reports: 50, NewTokens: 64, Rounds: 5, ComputeLayers: 0, ComputeWidth: 256, Threads: 1, MemoryReports: [200, 2000], WorkDirectory: "/tmp");
}
