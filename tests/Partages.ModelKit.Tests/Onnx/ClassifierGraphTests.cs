using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.Onnx;
using Partages.ModelKit.Training;

namespace Partages.ModelKit.Tests.Onnx;

/// <summary>The graph in the default bundle, loaded by ONNX Runtime as a node agent loads it.</summary>
public sealed class ClassifierGraphTests
{
    private byte[] _onnx = null!;
    private BertEncoding _encoding = null!;
    private DemoAssetSet _assets = null!;

    [OneTimeSetUp]
    public async Task OpenBundle()
    {
        _assets = await TestAssets.DefaultAsync();
        using var zip = ZipFile.OpenRead(_assets.BundlePath);
        _onnx = await ReadEntryAsync(zip, ModelBundle.ModelEntry);
        await using var vocab = new MemoryStream(await ReadEntryAsync(zip, ModelBundle.VocabEntry));
        _encoding = BertEncoding.FromVocabStream(vocab, maxLength: 128);
    }

    [Test]
    public void InferenceSession_BundledGraph_ExposesContractInputsAndOutputs()
    {
        using var session = new InferenceSession(_onnx);

        session.InputMetadata.Keys.Should().BeEquivalentTo("input_ids", "attention_mask");
        foreach (var input in session.InputMetadata.Values)
        {
            input.ElementDataType.Should().Be(TensorElementType.Int64);
            input.Dimensions.Should().Equal(-1, -1);
            input.SymbolicDimensions.Should().Equal("batch", "sequence");
        }

        session.OutputMetadata.Keys.Should().Equal("logits");
        var logits = session.OutputMetadata["logits"];
        logits.ElementDataType.Should().Be(TensorElementType.Float);
        logits.Dimensions.Should().Equal(-1, AmrLabels.All.Count);
        logits.SymbolicDimensions[0].Should().Be("batch");
    }

    [Test]
    public void Graph_BundledModel_UsesOnlyStandardOperatorsAtOpset17()
    {
        var model = ModelProto.Parser.ParseFrom(_onnx);

        model.OpsetImport.Should().ContainSingle().Which.Version.Should().Be(17);
        model.OpsetImport[0].Domain.Should().BeEmpty();
        model.Graph.Node.Should().OnlyContain(node => node.Domain.Length == 0);
        model.Graph.Node.Select(n => n.OpType).Distinct().Should().BeSubsetOf(
            ["Gather", "Cast", "Unsqueeze", "Mul", "ReduceSum", "Max", "Div", "MatMul", "Add"]);
        model.Graph.Input.Select(i => i.Name).Should().Equal("input_ids", "attention_mask");
    }

    [Test]
    public async Task Run_HospitalReports_MatchesCSharpForwardWithin1e4()
    {
        var reports = (await Jsonl.ReadAmrAsync(_assets.Hospitals[0].AmrPath)).Take(3)
            .Concat((await Jsonl.ReadAmrAsync(_assets.Hospitals[2].AmrPath)).Take(3))
            .Select(r => r.Text)
            .Append(string.Empty)
            .ToList();
        var batch = _encoding.Encode(reports);
        var reference = ClassifierGraph.ReadWeights(_onnx);

        var actual = OnnxRuntimeCheck.Run(_onnx, batch);
        var expected = reference.Forward(batch);

        actual.Should().HaveCount(reports.Count * AmrLabels.All.Count);
        for (var i = 0; i < actual.Length; i++)
        {
            actual[i].Should().BeApproximately(expected[i], 1e-4f, because: $"logit {i % AmrLabels.All.Count} of document {i / AmrLabels.All.Count}");
        }
    }

    [Test]
    public void Run_PaddingOnlyRow_ReturnsBiasInsteadOfNaN()
    {
        var reference = ClassifierGraph.ReadWeights(_onnx);

        var logits = OnnxRuntimeCheck.Run(_onnx, new EncodedBatch(new long[8], new long[8], 1, 8));

        logits.Should().Equal(reference.Bias);
    }

    [Test]
    public async Task Run_HeldOutReportsThroughOnnxRuntime_AccuracyBetween80And100Percent()
    {
        var reports = new List<AmrReport>();
        foreach (var hospital in _assets.Hospitals)
        {
            reports.AddRange(await Jsonl.ReadAmrAsync(hospital.AmrPath));
        }

        var logits = OnnxRuntimeCheck.Run(_onnx, _encoding.Encode(reports.Select(r => r.Text).ToList()));
        var predictions = EmbeddingBagClassifier.ArgMax(logits, AmrLabels.All.Count);
        var accuracy = (double)reports.Where((r, i) => AmrLabels.All[predictions[i]] == r.Label).Count() / reports.Count;

        // Above 80 %: the words that decide most reports (BLSE, SARM, carbapénémase, méticilline…) are
        // learnt from the separate training corpus. Below 100 % by construction: some reports are
        // provisional (label = final result, text = "antibiogramme en cours"), some negate or recall
        // another resistance ("absence de BLSE", "antécédent de SARM"), some leave the verdict to the
        // antibiogram, where a bag of words cannot tell which antibiotic an "R" belongs to, and most of
        // CHU de Valmont's long reports lose their conclusion to the 128-token limit.
        accuracy.Should().BeGreaterThan(0.80).And.BeLessThan(1.0);
        accuracy.Should().BeApproximately(_assets.Model.OnnxHeldOutAccuracy, 1e-9);
    }

    [Test]
    public void ReadWeights_WrittenGraph_RoundTripsEveryWeight()
    {
        var model = new EmbeddingBagClassifier(6, 3, 2);
        for (var i = 0; i < model.Embedding.Length; i++)
        {
            model.Embedding[i] = i * 0.5f - 3;
        }

        model.Weight[4] = 1.25f;
        model.Bias[1] = -2f;

        var back = ClassifierGraph.ReadWeights(ClassifierGraph.Serialize(ClassifierGraph.Build(model, ["a", "b"], "test")));

        back.Embedding.Should().Equal(model.Embedding);
        back.Weight.Should().Equal(model.Weight);
        back.Bias.Should().Equal(model.Bias);
    }

    private static async Task<byte[]> ReadEntryAsync(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new AssertionException($"The bundle has no {name}.");
        await using var stream = entry.Open();
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
