using System.Text;
using Partages.NodeAgent.Engine.LocalMode;

namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>
/// Local mode's <c>--predictions-out</c> for entity recognition: one line per evaluated document,
/// <c>{"id", "gold": [[start, end, "LABEL"]], "pred": [...]}</c>, offsets in code points (end exclusive), the same
/// spans the counts were made from — so a hospital can recompute any figure with its own tools.
/// </summary>
public sealed class NerPredictionsOutTests
{
    private static readonly TokenTableGraph Graph = new()
    {
        Words = ["le", "her2", "egfr", "score", "3", "positif"],
        TagOf = new Dictionary<string, int> { ["her2"] = 1, ["egfr"] = 1, ["score"] = 3, ["3"] = 4, ["positif"] = 3 },
    };

    [Test]
    public async Task EvaluateLocallyAsync_EntityRecognitionWithPredictionsSink_OneLinePerDocumentInCodePoints()
    {
        using var directory = new TestDirectory();
        // The emoji is one code point (two UTF-16 units): every offset after it is one less in the file than in .NET.
        const string text = "😀 her2 positif le";
        var lines = await EvaluateLocallyAsync(directory, [
            ("d1", text, [(2, 14, "BIOMARKER"), (15, 17, "STATUS")]),
            ("d2", "le le", []),
        ]);

        lines.Should().Equal(
            """{"id":"d1","gold":[[2,14,"BIOMARKER"],[15,17,"STATUS"]],"pred":[[2,6,"BIOMARKER"],[7,14,"STATUS"]]}""",
            """{"id":"d2","gold":[],"pred":[]}""");
        // The offsets are the dataset's: slicing the text by code points gives the mention.
        var codePoints = text.EnumerateRunes().Select(r => r.ToString()).ToArray();
        string.Concat(codePoints[2..6]).Should().Be("her2");
    }

    [Test]
    public async Task EvaluateLocallyAsync_DocumentSetAsideByTheReader_NoLineForIt()
    {
        using var directory = new TestDirectory();
        var lines = await EvaluateLocallyAsync(directory, [("d1", "her2", [(0, 4, "BIOMARKER")]), ("bad", "her2", [(0, 9, "BIOMARKER")])]);

        lines.Should().ContainSingle().Which.Should().StartWith("""{"id":"d1",""", "a document set aside by the reader has no line, as in classification");
    }

    private static async Task<string[]> EvaluateLocallyAsync(
        TestDirectory directory,
        IReadOnlyList<(string Id, string Text, IReadOnlyList<(int Start, int End, string Label)> Entities)> documents)
    {
        var job = await NerJobFiles.WriteAsync(directory, Graph.ToBundle(), TokenTableGraph.OncologySpec, documents);
        var stream = new MemoryStream();
        using (var writer = new JsonlPredictionWriter(stream))
        {
            var result = await new EvaluationEngine().EvaluateLocallyAsync(job, writer, null, CancellationToken.None);
            writer.Written.Should().Be(result.NDocuments, "one line per evaluated document");
        }

        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
