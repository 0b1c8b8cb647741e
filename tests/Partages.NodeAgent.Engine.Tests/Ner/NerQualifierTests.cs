using Google.Protobuf;
using Onnx;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.Training;

namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>
/// Attributes, codes and fragments through the engine with real ONNX Runtime inference (docs/ner.md "Attributes,
/// codes and fragments"): a hand-made graph whose tag, negation and code logits are rows of tables indexed by piece
/// id, so every figure below is worked out by hand.
/// </summary>
public sealed class NerQualifierTests
{
    private static readonly string[] Words = ["her2", "egfr", "positif", "negatif", "a", "x", "b"];

    // Tags: her2, egfr B-BIOMARKER; positif, negatif, a, b B-STATUS. Negation "true" on negatif only. Code C2 on egfr, C1 elsewhere.
    private static readonly Dictionary<string, int> TagOf = new() { ["her2"] = 1, ["egfr"] = 1, ["positif"] = 3, ["negatif"] = 3, ["a"] = 3, ["b"] = 3 };

    private static readonly EvaluationSpec Spec = TokenTableGraph.OncologySpec with { Metrics = ["f1", .. QualifierMetrics.All] };

    [Test]
    public async Task EvaluateAsync_BratAttributesCodesAndFragment_GoldenFigures()
    {
        using var directory = new TestDirectory();
        // her2 0-4, positif 5-12, egfr 13-17, negatif 18-25, a 26-27, x 28-29, b 30-31.
        var folder = Folder(directory, ("a", "her2 positif egfr negatif a x b", """
            T1	BIOMARKER 0 4	her2
            N1	Reference T1 TEST:C1	HER2
            T2	STATUS 5 12	positif
            A1	Negation T2
            T3	BIOMARKER 13 17	egfr
            N2	Reference T3 TEST:C1	EGFR
            T4	STATUS 18 25	negatif
            A2	Negation T4
            T5	STATUS 26 27;30 31	a b
            A3	Family T1
            """));

        var result = await EvaluateAsync(directory, folder, DatasetFormats.Brat);

        var qualifiers = result.SpanQualifiers!;
        // Matched spans: her2, positif, egfr, negatif. negation=true: negatif found (tp), positif missed (fn).
        var negated = qualifiers.SpanAttribute!.PerValue["Negation=true"];
        negated.Should().Match<SpanAttributeScore>(s => s.Tp == 1 && s.Positives == 1 && s.Support == 2);
        negated.F1.Should().BeApproximately(2.0 / 3, 1e-12);
        negated.Ap.Should().BeApproximately(0.5, 1e-12, "one true item in the top bin (p = 0.993), two gold items");
        negated.TpByBin![QualifierMetrics.ProbabilityBins - 1].Should().Be(1);
        // her2 coded C1 predicted C1; egfr coded C1 predicted C2.
        qualifiers.Normalisation!.PerType["BIOMARKER"].Should().Be(new ProportionScore(1, 2, 0.5));
        qualifiers.Normalisation.PerType["STATUS"].Rate.Should().BeNull("no matched STATUS span carries a code");
        // "a … b": both fragments predicted exactly, though the covering span is not.
        qualifiers.Fragments!.PerType["STATUS"].Should().Be(new FragmentScore(new ProportionScore(1, 1, 1.0), new ProportionScore(2, 2, 1.0)));
        result.Schemes![NerSchemes.Strict].PerType["STATUS"].Correct.Should().Be(2, "positif and negatif; the covering span a-b is not predicted");
        result.InputSummary.Skipped.Should().BeEmpty("the Family attribute is not declared: noted, not a problem");
    }

    [Test]
    public async Task EvaluateAsync_JsonlSameAnnotations_SameFiguresAsBrat()
    {
        using var directory = new TestDirectory();
        var line = """{"id": "a", "text": "her2 positif egfr negatif a x b", "entities": [""" +
            """{"start": 0, "end": 4, "label": "BIOMARKER", "code": "TEST:C1"}, {"start": 5, "end": 12, "label": "STATUS", "attributes": {"Negation": true}},""" +
            """{"start": 13, "end": 17, "label": "BIOMARKER", "code": "TEST:C1"}, {"start": 18, "end": 25, "label": "STATUS", "attributes": {"Negation": "true"}},""" +
            """{"start": 26, "end": 31, "label": "STATUS", "fragments": [[26, 27], [30, 31]]}]}""";
        var path = directory.File("data.jsonl");
        await File.WriteAllTextAsync(path, line + "\n");
        var brat = Folder(directory, ("a", "her2 positif egfr negatif a x b", "T1\tBIOMARKER 0 4\ther2\nN1\tReference T1 TEST:C1\tHER2\nT2\tSTATUS 5 12\tpositif\nA1\tNegation T2\nT3\tBIOMARKER 13 17\tegfr\nN2\tReference T3 TEST:C1\tEGFR\nT4\tSTATUS 18 25\tnegatif\nA2\tNegation T4\nT5\tSTATUS 26 27;30 31\ta b\n"));

        var fromJsonl = await EvaluateAsync(directory, path, DatasetFormats.Jsonl);
        var fromBrat = await EvaluateAsync(directory, brat, DatasetFormats.Brat);

        fromJsonl.SpanQualifiers.Should().BeEquivalentTo(fromBrat.SpanQualifiers);
    }

    [Test]
    public async Task EvaluateAsync_UndeclaredAttributeValueOrCode_DocumentSetAsideUnderItsKind()
    {
        using var directory = new TestDirectory();
        var folder = Folder(
            directory,
            ("a", "her2 positif", "T1\tBIOMARKER 0 4\ther2\nT2\tSTATUS 5 12\tpositif\nA1\tNegation T2 Maybe\n"),
            ("b", "her2 positif", "T1\tBIOMARKER 0 4\ther2\nN1\tReference T1 TEST:C9\tHER2\n"),
            ("c", "her2 positif", "T1\tBIOMARKER 0 4\ther2\nN1\tReference T1 OTHER:C9\tHER2\nA1\tNegation T9\n"),
            ("d", "her2 positif", "T1\tBIOMARKER 0 4\ther2\nN1\tReference T1 ICD-10:C50\tHER2\n"));

        var result = await EvaluateAsync(directory, folder, DatasetFormats.Brat);

        result.InputSummary.Skipped.Should().Equal(new Dictionary<string, long>
        {
            [SkipKinds.UnknownAttributeValue] = 1,
            [SkipKinds.UnknownCode] = 1,
            [SkipKinds.MalformedAnnotation] = 1,
        });
        result.NDocuments.Should().Be(1, "a code of another system is noted, not evaluated, and the document kept");
    }

    [Test]
    public async Task EvaluateAsync_SpanAttributeOfABundleWithoutAttributes_RefusedListingWhatItCanProduce()
    {
        using var directory = new TestDirectory();
        var bundlePath = directory.File("plain.zip");
        await File.WriteAllBytesAsync(bundlePath, new TokenTableGraph { Words = Words, TagOf = TagOf }.ToBundle());
        var folder = Folder(directory, ("a", "her2", "T1\tBIOMARKER 0 4\ther2\n"));
        var job = new EvaluationJob(bundlePath, Spec, new DatasetDefinition("oncology", folder, DatasetFormats.Brat));

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>())
            .WithMessage("*span_attribute, normalisation*cannot produce*no attribute and no normalisation*can produce: ner_fragments*");
    }

    [Test]
    public async Task EvaluateAsync_GraphLacksADeclaredOutput_RefusedBeforeAnyDocument()
    {
        using var directory = new TestDirectory();
        var bundlePath = directory.File("model.zip");
        await File.WriteAllBytesAsync(bundlePath, Bundle(manifestOnlyOutput: "missing_codes"));
        var folder = Folder(directory, ("a", "her2", "T1\tBIOMARKER 0 4\ther2\n"));
        var job = new EvaluationJob(bundlePath, Spec, new DatasetDefinition("oncology", folder, DatasetFormats.Brat));

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).WithMessage("*'missing_codes' (TEST codes) is not an output of the graph*");
    }

    private static async Task<ResultDocument> EvaluateAsync(TestDirectory directory, string path, string format)
    {
        var bundlePath = directory.File("model.zip");
        await File.WriteAllBytesAsync(bundlePath, Bundle());
        var job = new EvaluationJob(bundlePath, Spec, new DatasetDefinition("oncology", path, format));
        return await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);
    }

    private static string Folder(TestDirectory directory, params (string Name, string Text, string Annotations)[] documents)
    {
        var folder = Directory.CreateDirectory(directory.File("brat-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (var (name, text, annotations) in documents)
        {
            File.WriteAllText(Path.Combine(folder, name + ".txt"), text, new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(folder, name + ".ann"), annotations.ReplaceLineEndings("\n") + "\n", new UTF8Encoding(false));
        }

        return folder;
    }

    /// <summary>Tags, negation ("false", "true") and codes (C1, C2) from three id-indexed tables, 5 on the chosen column.</summary>
    private static byte[] Bundle(string? manifestOnlyOutput = null)
    {
        var vocabulary = VocabularyBuilder.SpecialTokens.Concat(Words).ToList();
        float[] Table(int columns, Func<string?, int> column)
        {
            var table = new float[vocabulary.Count * columns];
            for (var id = 0; id < vocabulary.Count; id++)
            {
                table[(id * columns) + column(id >= VocabularyBuilder.SpecialTokens.Count ? vocabulary[id] : null)] = 5f;
            }

            return table;
        }

        var graph = TokenTableGraph.TableModel(Table(TokenTableGraph.Tags.Count, w => w is not null && TagOf.TryGetValue(w, out var t) ? t : 0), vocabulary.Count).Graph;
        AddHead(graph, "negation_logits", Table(2, w => w == "negatif" ? 1 : 0), vocabulary.Count, 2);
        AddHead(graph, "code_logits", Table(2, w => w == "egfr" ? 1 : 0), vocabulary.Count, 2);
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        var manifest = new ModelManifest
        {
            Name = "token-table-qualifiers",
            Task = TaskTypes.TokenClassification,
            Labels = TokenTableGraph.Tags,
            MaxLength = 16,
            Tokenizer = new TokenizerSpec(),
            Attributes = [new AttributeOutput { Name = "Negation", Values = ["false", "true"], Default = "false", Output = "negation_logits" }],
            Normalisation = new NormalisationOutput { System = "TEST", Codes = ["C1", "C2"], Output = manifestOnlyOutput ?? "code_logits" },
        };
        return ModelBundle.Pack(manifest, model.ToByteArray(), VocabularyBuilder.ToVocabFileBytes(vocabulary));
    }

    /// <summary>A second output of the graph: <c>Gather(table, input_ids)</c>, float [batch, sequence, columns].</summary>
    private static void AddHead(GraphProto graph, string output, float[] table, int rows, int columns)
    {
        var tensor = new TensorProto { Name = output + "_table", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange([rows, columns]);
        tensor.FloatData.AddRange(table);
        graph.Initializer.Add(tensor);
        var node = new NodeProto { OpType = "Gather", Name = output };
        node.Input.AddRange([tensor.Name, "input_ids"]);
        node.Output.Add(output);
        graph.Node.Add(node);
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "sequence" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } });
    }
}
