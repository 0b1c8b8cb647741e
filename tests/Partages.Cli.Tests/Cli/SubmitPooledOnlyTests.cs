using Partages.Cli.Commands;
using Partages.Evaluation.Specs;

namespace Partages.Cli.Tests.Cli;

/// <summary><c>submit --pooled-only</c>: the spec sent says <c>pooled_only: true</c>, whatever it said before.</summary>
public sealed class SubmitPooledOnlyTests
{
    private const string Spec = "version: 1\nname: amr\ntask: single_label_classification\ndataset: amr-reports\nlabels: [a, b]\n";

    [Test]
    public void WithPooledOnly_SpecWithoutTheKey_KeyAddedAndSpecStillValid()
    {
        var parsed = SpecParser.Parse(SubmitCommand.WithPooledOnly(Spec));

        parsed.IsValid.Should().BeTrue(string.Join("; ", parsed.Errors));
        parsed.Spec!.PooledOnly.Should().BeTrue();
    }

    [Test]
    public void WithPooledOnly_SpecSayingFalse_ReplacedNotDuplicated()
    {
        var yaml = SubmitCommand.WithPooledOnly(Spec + "pooled_only: false\n");

        yaml.Should().Contain("pooled_only: true").And.NotContain("pooled_only: false");
        SpecParser.Parse(yaml).Spec!.PooledOnly.Should().BeTrue();
    }
}
