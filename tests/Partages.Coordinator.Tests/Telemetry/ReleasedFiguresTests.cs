using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Tests.Telemetry;

public sealed class ReleasedFiguresTests
{
    [Test]
    public void Read_ReleaseSectionWithSuppressedCells_ReadsItAndTheDocumentsRead()
    {
        var figures = ReleasedFigures.Read("""{"input_summary": {"documents_read": 215}, "release": {"min_cell_count": 5, "suppressed_cells": 4}}""");

        figures.Should().Be(new ReleasedFigures(215, 4));
    }

    [Test]
    public void Read_SuppressedCellsAtTheTopLevel_ReadsIt()
    {
        ReleasedFigures.Read("""{"suppressed_cells": 2}""").SuppressedCells.Should().Be(2);
    }

    [TestCase("")]
    [TestCase("not json")]
    [TestCase("[1, 2]")]
    [TestCase("""{"input_summary": "215", "release": {"suppressed_cells": -1}}""")]
    [TestCase("""{"release": {"suppressed_cells": 1.5}}""")]
    public void Read_MissingOrMalformedFigures_NullsAndNoError(string json)
    {
        ReleasedFigures.Read(json).Should().Be(new ReleasedFigures(null, null));
    }
}
