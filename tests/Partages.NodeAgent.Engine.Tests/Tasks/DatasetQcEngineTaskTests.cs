using System.Text;
using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.NodeAgent.Engine.Tests.Tasks;

public sealed class DatasetQcEngineTaskTests : TempDirectoryTestBase
{
    private const string Spec = "version: 1\nname: qc\ntask: dataset_qc\ndataset: amr\nlabels: [BLSE, SARM]\n";

    [Test]
    public async Task EvaluateAsync_DoubleAnnotatedJsonlWithoutABundle_ProfilesTheDatasetAndMeasuresAgreement()
    {
        var path = Write(
            """{"text":"BLSE détectée","label":"BLSE","label_b":"BLSE"}""",
            """{"text":"SARM isolé","label":"SARM","label_b":"BLSE"}""",
            """{"text":"BLSE détectée","label":"BLSE","label_b":"BLSE"}""",
            "not json");
        var spec = SpecParser.Parse(Spec + "annotators: [label, label_b]\n").Spec!;

        var result = await new EvaluationEngine().EvaluateAsync(new EvaluationJob("", spec, new DatasetDefinition("amr", path, DatasetFormats.Jsonl)), null, CancellationToken.None);

        result.NDocuments.Should().Be(4);
        var qc = result.DatasetQc!;
        qc.CategoryCounts.Should().Equal(2, 1, 0, 0);
        qc.Findings[Evaluation.Quality.QcFindings.ExactDuplicate].Should().Be(1);
        qc.Findings[DatasetQcFindings.MalformedLine].Should().Be(1);
        qc.Agreement!.CohenTable![1][0].Should().Be(1, "SARM by the first annotator, BLSE by the second");
        qc.Sensitivity.Should().ContainKey(DatasetQcFigures.Coincidences);
    }

    [Test]
    public async Task EvaluateAsync_EntitiesUnderAClip_CountsAtMostTheClipPerReportAndType()
    {
        var path = Write("""{"text":"BLSE BLSE BLSE","entities":[{"start":0,"end":4,"label":"BLSE"},{"start":5,"end":9,"label":"BLSE"},{"start":10,"end":14,"label":"BLSE"}]}""");
        var spec = SpecParser.Parse(Spec + "annotation: entities\n").Spec!;

        var result = await new EvaluationEngine().EvaluateAsync(
            new EvaluationJob("", spec, new DatasetDefinition("amr", path, DatasetFormats.Jsonl)) { MaxEntitiesPerReport = 2 }, null, CancellationToken.None);

        result.DatasetQc!.CategoryCounts.Should().Equal(2, 0, 0);
        result.DatasetQc.MaxEntitiesPerReport.Should().Be(2);
    }

    private string Write(params string[] lines)
    {
        var path = Path.Combine(Temp.Path, "qc.jsonl");
        File.WriteAllText(path, string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        return path;
    }
}
