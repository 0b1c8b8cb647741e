using FluentAssertions;
using NUnit.Framework;
using Partages.Benchmarks.Generation;

namespace Partages.Benchmarks.Tests.Generation;

[TestFixture]
public sealed class GenerationBenchmarkSettingsTests
{
    [Test]
    public void Validate_EveryCountZero_ListsEachOption()
    {
        var errors = new GenerationBenchmarkSettings(Reports: 0, NewTokens: 0, Rounds: 0, WorkDirectory: "/tmp").Validate();

        errors.Should().HaveCount(3);
        errors.Should().Contain(e => e.Contains("--reports", StringComparison.Ordinal))
            .And.Contain(e => e.Contains("--new-tokens", StringComparison.Ordinal))
            .And.Contain(e => e.Contains("--rounds", StringComparison.Ordinal));
    }

    [Test]
    public void Validate_Defaults_NoError() =>
        new GenerationBenchmarkSettings(Reports: 50, NewTokens: 64, Rounds: 5, WorkDirectory: "/tmp").Validate().Should().BeEmpty();
}
