using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Tests.Telemetry;

public sealed class ReleasedFiguresTests
{
    [Test]
    public void Read_PrivateRelease_ReadsItsEpsilonAndTheDocumentsRead()
    {
        var figures = ReleasedFigures.Read("""{"input_summary": {"documents_read": 215}, "release": {"withheld_sections": [], "differential_privacy": {"mechanism": "discrete_gaussian", "epsilon": 0.75}}}""");

        figures.Should().Be(new ReleasedFigures(215, 0.75));
    }

    [Test]
    public void Read_ExactRelease_NoEpsilon()
    {
        ReleasedFigures.Read("""{"input_summary": {"documents_read": 9}, "release": {"withheld_sections": []}}""").Should().Be(new ReleasedFigures(9, null));
    }

    [TestCase("")]
    [TestCase("not json")]
    [TestCase("[1, 2]")]
    [TestCase("""{"input_summary": "215", "release": {"differential_privacy": {"epsilon": -1}}}""")]
    [TestCase("""{"release": {"differential_privacy": {"epsilon": "1"}}}""")]
    public void Read_MissingOrMalformedFigures_NullsAndNoError(string json)
    {
        ReleasedFigures.Read(json).Should().Be(new ReleasedFigures(null, null));
    }
}
