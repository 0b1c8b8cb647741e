using System.Text;
using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks.DatasetQc;
using Partages.NodeAgent.Engine.Isolation;
using Partages.NodeAgent.Engine.Resilience;

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

    [Test]
    public async Task EvaluateAsync_WithABundle_CountsPiecesTheWindowAndUnknownPiecesOfItsTokenizer()
    {
        var path = Write(
            """{"text":"la souche est sensible","label":"sensible"}""",
            """{"text":"la souche zzz est blse","label":"BLSE"}""",
            "{\"text\":\"" + string.Join(' ', Enumerable.Repeat("la", 40)) + " qqq\",\"label\":\"SARM\"}");
        var bundle = Infrastructure.AmrTestModel.WriteBundle(Path.Combine(Temp.Path, "amr.zip"));
        var spec = SpecParser.Parse(Spec).Spec!;

        var result = await new EvaluationEngine().EvaluateAsync(new EvaluationJob(bundle, spec, new DatasetDefinition("amr", path, DatasetFormats.Jsonl)), null, CancellationToken.None);

        var pieces = result.DatasetQc!.Pieces!;
        pieces.Window.Should().Be(30, "max_length 32 less [CLS] and [SEP]");
        pieces.UnknownToken.Should().Be("[UNK]");
        pieces.PieceLengths[Evaluation.Quality.LengthHistogram.BinOf(4)].Should().Be(2, "4 and 5 pieces share the 4–7 bin");
        pieces.PieceLengths[Evaluation.Quality.LengthHistogram.BinOf(41)].Should().Be(1);
        pieces.LongerThanWindow.Should().Be(1);
        pieces.PiecesInWindow.Should().Be(4 + 5 + 30);
        pieces.UnknownPieces.Should().Be(1, "'zzz' is not in the vocabulary; 'qqq' is past the long report's first window");
        pieces.ShareLongerThanWindow!.Value.Should().BeApproximately(1.0 / 3, 1e-12);
        result.DatasetQc.Sensitivity[DatasetQcFigures.UnknownPieces].L2Squared.Should().Be(2.0 * 30 * 30);
    }

    [Test]
    public async Task EvaluateAsync_WithoutABundle_ReleasesNoPieceFigures()
    {
        var path = Write("""{"text":"la souche","label":"sensible"}""");

        var result = await new EvaluationEngine().EvaluateAsync(
            new EvaluationJob("", SpecParser.Parse(Spec).Spec!, new DatasetDefinition("amr", path, DatasetFormats.Jsonl)), null, CancellationToken.None);

        result.DatasetQc!.Pieces.Should().BeNull();
        result.DatasetQc.Sensitivity.Should().NotContainKey(DatasetQcFigures.PieceLengths);
    }

    [Test]
    public async Task EvaluateAsync_BratWithASecondAnnotatorsFolder_ReleasesTheirPairwiseEntityCounts()
    {
        var first = Directory.CreateDirectory(Path.Combine(Temp.Path, "brat-a")).FullName;
        var second = Directory.CreateDirectory(Path.Combine(Temp.Path, "brat-b")).FullName;
        File.WriteAllText(Path.Combine(first, "r1.txt"), "BLSE et SARM");
        File.WriteAllText(Path.Combine(first, "r1.ann"), "T1\tBLSE 0 4\tBLSE\nT2\tSARM 8 12\tSARM\n");
        File.WriteAllText(Path.Combine(second, "r1.ann"), "T1\tBLSE 0 4\tBLSE\nT2\tSARM 7 12\tSARM\n");
        File.WriteAllText(Path.Combine(first, "r2.txt"), "BLSE");
        File.WriteAllText(Path.Combine(first, "r2.ann"), "T1\tBLSE 0 4\tBLSE\n");
        var dataset = new DatasetDefinition("onco", first, DatasetFormats.Brat) { AnnotatorFolders = [new AnnotatorFolder("entities_b", second)] };
        var spec = SpecParser.Parse(Spec + "annotation: entities\nannotators: [entities, entities_b]\n").Spec!;

        // Through the worker's request, as the node sends it: the folders travel with the dataset.
        var job = WorkerRequest.From(new EvaluationJob("", spec, dataset), new EvaluationEngineOptions(), RunPlan.Full);
        var travelled = WorkerProtocol.Deserialize<WorkerRequest>(WorkerProtocol.Serialize(job)).ToJob();
        var result = await new EvaluationEngine().EvaluateAsync(travelled, null, CancellationToken.None);

        var pairs = result.DatasetQc!.Agreement!.EntityPairs!;
        var blse = pairs.Single(p => p.Type == "BLSE");
        (blse.FirstEntities, blse.SecondEntities, blse.StrictMatches, blse.PartialMatches).Should().Be((2L, 1L, 1L, 1L), "r2 has no .ann in the second folder: compared as no entity");
        var sarm = pairs.Single(p => p.Type == "SARM");
        (sarm.StrictMatches, sarm.PartialMatches).Should().Be((0L, 1L), "the spans overlap but do not coincide");
        result.DatasetQc.Findings[DatasetQcFindings.OtherFinding].Should().Be(1, "the text the second annotator has no .ann for is counted");
    }

    [Test]
    public async Task EvaluateAsync_BratAnnotatorTheNodeDoesNotName_RefusedNamingThoseItDoes()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Temp.Path, "brat")).FullName;
        File.WriteAllText(Path.Combine(folder, "r1.txt"), "BLSE");
        File.WriteAllText(Path.Combine(folder, "r1.ann"), "T1\tBLSE 0 4\tBLSE\n");
        var spec = SpecParser.Parse(Spec + "annotation: entities\nannotators: [entities, entities_c]\n").Spec!;

        var act = () => new EvaluationEngine().EvaluateAsync(new EvaluationJob("", spec, new DatasetDefinition("onco", folder, DatasetFormats.Brat)), null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).WithMessage("*'entities_c'*it names: none*");
    }

    [Test]
    public async Task EvaluateAsync_AgreementAskedOfADatasetWithOneAnnotator_RefusedWithTheReason()
    {
        var path = Write(
            """{"text":"BLSE détectée","label":"BLSE"}""",
            """{"text":"SARM isolé","label":"SARM"}""");
        var spec = SpecParser.Parse(Spec + "annotators: [label, label_b]\n").Spec!;

        var act = () => new EvaluationEngine().EvaluateAsync(new EvaluationJob("", spec, new DatasetDefinition("amr", path, DatasetFormats.Jsonl)), null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).WithMessage("*'amr' has one annotator only*label, label_b*");
    }

    private string Write(params string[] lines)
    {
        var path = Path.Combine(Temp.Path, "qc.jsonl");
        File.WriteAllText(path, string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        return path;
    }
}
