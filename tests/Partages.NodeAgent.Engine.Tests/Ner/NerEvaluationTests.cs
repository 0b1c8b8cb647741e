using Partages.Evaluation.Tokenization;
using Partages.NodeAgent.Engine.Scoring;
using Partages.NodeAgent.Engine.Tasks.EntityRecognition;

namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>The engine's entity recognition path on a token classifier whose tags are known by hand.</summary>
public sealed class NerEvaluationTests
{
    private static readonly EvaluationSpec Spec = TokenTableGraph.OncologySpec;

    private static readonly TokenTableGraph Graph = new()
    {
        Words = ["le", "her2", "egfr", "score", "3", "positif"],
        TagOf = new Dictionary<string, int> { ["her2"] = 1, ["egfr"] = 1, ["score"] = 3, ["3"] = 4, ["positif"] = 3 },
        // Windows of 6 pieces moving by 4: pieces 4 and 5 are read twice, by neighbouring windows.
        MaxLength = 8,
        Stride = 2,
    };

    [Test]
    public async Task EvaluateAsync_EntityCrossingAWindowBoundary_IsFoundOnce()
    {
        using var directory = new TestDirectory();
        // Pieces: le le le score 3 3 3 le le le; the STATUS "score 3 3 3" (pieces 3–6) spans windows [0, 6) and [4, 10).
        const string text = "le le le score 3 3 3 le le le";
        var status = Span(text, "score 3 3 3", "STATUS");

        var result = await EvaluateAsync(directory, Graph, [("d1", text, [status])]);

        var strict = result.Schemes![NerSchemes.Strict].Overall;
        strict.Correct.Should().Be(1);
        strict.Spurious.Should().Be(0);
        strict.Missed.Should().Be(0);
        strict.Actual.Should().Be(1, "one entity predicted, not one per window");
        result.Seqeval!.PerType["STATUS"].Tp.Should().Be(1);
        result.Seqeval.PerType["STATUS"].Fp.Should().Be(0);
    }

    [Test]
    public async Task EvaluateAsync_DocumentLongerThanTenWindows_EveryEntityCountedOnce()
    {
        using var directory = new TestDirectory();
        var builder = new StringBuilder();
        var gold = new List<(int, int, string)>();
        for (var i = 0; i < 30; i++)
        {
            builder.Append("le ");
            var biomarker = i % 2 == 0 ? "her2" : "egfr";
            gold.Add((builder.Length, builder.Length + biomarker.Length, "BIOMARKER"));
            builder.Append(biomarker).Append(' ');
            gold.Add((builder.Length, builder.Length + "score 3".Length, "STATUS"));
            builder.Append("score 3\n");
        }

        var text = builder.ToString();
        var encoder = Partages.NodeAgent.Engine.Tokenization.TextEncoder.Create(VocabularyOf(Graph), new ModelManifest { Name = "m", Task = TaskTypes.TokenClassification, Labels = TokenTableGraph.Tags, MaxLength = Graph.MaxLength, Stride = Graph.Stride, Tokenizer = new TokenizerSpec() });
        NerWindows.Layout(encoder.Pieces(text).Length, encoder.MaxPieces, encoder.Stride).Length.Should().BeGreaterThan(10);

        var result = await EvaluateAsync(directory, Graph, [("long", text, gold)]);

        result.NDocuments.Should().Be(1);
        result.Schemes![NerSchemes.Strict].Overall.Should().BeEquivalentTo(
            NerSchemeMetrics.From(NerSchemes.Strict, new NerOutcomeCounts { Correct = 60 }));
        result.Schemes[NerSchemes.Strict].PerType["BIOMARKER"].Correct.Should().Be(30);
        result.Seqeval!.Micro.F1.Should().Be(1);
        result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [30, 0], [0, 30] });
    }

    [Test]
    public async Task EvaluateAsync_BoundOnEntitiesPerReport_CountsTheFirstMOfEachTypeOnEachSideAndTheReportsClipped()
    {
        using var directory = new TestDirectory();
        var builder = new StringBuilder();
        var gold = new List<(int, int, string)>();
        for (var i = 0; i < 8; i++)
        {
            builder.Append("le ");
            gold.Add((builder.Length, builder.Length + "her2".Length, "BIOMARKER"));
            builder.Append("her2 ");
        }

        const string small = "le her2 le";
        (int, int, string)[] smallGold = [Span(small, "her2", "BIOMARKER")];

        var result = await EvaluateAsync(directory, Graph, [("many", builder.ToString(), gold), ("few", small, smallGold)], maxEntitiesPerReport: 3);

        // 8 gold and 8 predicted BIOMARKERs in the first report, 3 of each counted (the first 3, which match); 1 in the second.
        result.Schemes![NerSchemes.Strict].PerType["BIOMARKER"].Should().Match<NerSchemeMetrics>(m => m.Correct == 4 && m.Missed == 0 && m.Spurious == 0);
        result.Seqeval!.PerType["BIOMARKER"].Tp.Should().Be(4);
        result.ConfusionMatrix.Matrix[0][0].Should().Be(4);
        result.EntityClipping.Should().Be(new EntityClippingSection(3, 1), "one report had more than 3 BIOMARKERs");
        result.Seqeval.Words.Should().Be(19, "words are not clipped: they are the texts' length");
    }

    [Test]
    public async Task EvaluateAsync_NoBound_EveryEntityCountedAndNoClippingSection()
    {
        using var directory = new TestDirectory();
        const string text = "le her2 le her2 le her2";

        var result = await EvaluateAsync(directory, Graph, [("d", text, [(3, 7, "BIOMARKER"), (11, 15, "BIOMARKER"), (19, 23, "BIOMARKER")])]);

        result.Schemes![NerSchemes.Strict].PerType["BIOMARKER"].Correct.Should().Be(3);
        result.EntityClipping.Should().BeNull();
    }

    [Test]
    public async Task EvaluateAsync_BoundaryAndTypeErrors_CountedAsNervaluateDoes()
    {
        using var directory = new TestDirectory();
        // Predicted: BIOMARKER "her2", STATUS "positif". Gold: BIOMARKER "her2 positif" (one span), STATUS "le" (never predicted).
        const string text = "her2 positif le";
        (int, int, string)[] gold = [Span(text, "her2 positif", "BIOMARKER"), Span(text, "le", "STATUS")];

        var result = await EvaluateAsync(directory, Graph, [("d", text, gold)]);

        // Rule: nervaluate 1.x (the default), one-to-one. "her2" takes the gold BIOMARKER (overlap, same type: strict
        // incorrect, type correct, partial partial); "positif" overlaps only that gold entity, already taken → spurious.
        var schemes = result.Schemes!;
        result.NerMatching.Should().Be(NerMatching.Nervaluate1);
        schemes[NerSchemes.Strict].Overall.Should().Match<NerSchemeMetrics>(m => m.Incorrect == 1 && m.Missed == 1 && m.Correct == 0 && m.Spurious == 1);
        schemes[NerSchemes.Type].Overall.Should().Match<NerSchemeMetrics>(m => m.Correct == 1 && m.Incorrect == 0 && m.Missed == 1 && m.Spurious == 1);
        schemes[NerSchemes.Partial].Overall.Should().Match<NerSchemeMetrics>(m => m.Partial == 1 && m.Missed == 1 && m.Possible == 2 && m.Actual == 2);
        schemes[NerSchemes.Partial].Overall.Precision.Should().BeApproximately(0.25, 1e-12);
        schemes[NerSchemes.Partial].Overall.Recall.Should().BeApproximately(0.25, 1e-12);
        // Each type matched alone: STATUS "positif" never meets the gold STATUS "le".
        result.SchemesByType![NerSchemes.Strict].PerType["STATUS"].Should().Match<NerSchemeMetrics>(m => m.Spurious == 1 && m.Missed == 1 && m.Correct == 0);
        result.SchemesByType[NerSchemes.Type].PerType["BIOMARKER"].Correct.Should().Be(1);
        // seqeval on words: gold B-BIO I-BIO B-STATUS, predicted B-BIO B-STATUS O → nothing matches exactly.
        result.Seqeval!.Micro.F1.Should().Be(0);
        result.Seqeval.Words.Should().Be(3);
        result.Seqeval.WordsCorrect.Should().Be(1);
        result.PerClass["BIOMARKER"].Fp.Should().Be(1);
    }

    [Test]
    public async Task EvaluateAsync_SpecAsksNervaluate01_BoundaryAndTypeErrorsCountedAsNervaluate01Does()
    {
        using var directory = new TestDirectory();
        const string text = "her2 positif le";
        (int, int, string)[] gold = [Span(text, "her2 positif", "BIOMARKER"), Span(text, "le", "STATUS")];

        var result = await EvaluateAsync(directory, Graph, [("d", text, gold)], Spec with { NerMatching = NerMatching.Nervaluate01 });

        // nervaluate 0.1.x: "positif" also overlaps the gold BIOMARKER (first in gold order) and is counted against it.
        result.NerMatching.Should().Be(NerMatching.Nervaluate01);
        result.SchemesByType.Should().BeNull();
        result.Schemes![NerSchemes.Strict].Overall.Should().Match<NerSchemeMetrics>(m => m.Incorrect == 2 && m.Missed == 1 && m.Correct == 0 && m.Spurious == 0);
        result.Schemes[NerSchemes.Partial].Overall.Precision.Should().BeApproximately(0.5, 1e-12);
        result.Schemes[NerSchemes.Partial].Overall.Recall.Should().BeApproximately(1.0 / 3, 1e-12);
    }

    [Test]
    public void AddWindow_OverlappingWindowsDisagree_EachPieceTakesTheWindowWhereItIsMostCentral()
    {
        // Ten pieces, windows [0, 6) and [4, 10): piece 4 is central in window 0, piece 5 in window 1.
        var pieces = Enumerable.Range(0, 10).Select(i => new NerPiece(10, i * 2, (i * 2) + 1, WordStart: true)).ToArray();
        var document = new NerDocument(pieces, maxPieces: 6, stride: 2, gold: []);
        document.Windows.Should().Equal(new NerWindow(0, 6), new NerWindow(4, 6));
        int[] identity = [0, 1, 2, 3, 4];

        // Window 0 says B-STATUS for all its pieces; window 1 says O for all its pieces.
        document.AddWindow(0, Logits(8, tag: 3), 5, identity);
        document.AddWindow(1, Logits(8, tag: 0), 5, identity);

        document.IsComplete.Should().BeTrue();
        document.PieceTags.Should().Equal(3, 3, 3, 3, 3, 0, 0, 0, 0, 0);
    }

    [Test]
    public async Task EvaluateAsync_ModelTagOfAnUnknownType_IsRefusedBeforeReading()
    {
        using var directory = new TestDirectory();
        var spec = Spec with { Labels = ["BIOMARKER", "DRUG"] };

        var act = () => EvaluateAsync(directory, Graph, [("d", "le", [])], spec);

        (await act.Should().ThrowAsync<EvaluationRefusedException>())
            .Which.Message.Should().Contain("'B-STATUS'").And.Contain("'STATUS'").And.Contain("no 'B-DRUG' tag");
    }

    private static float[] Logits(int sequence, int tag)
    {
        var logits = new float[sequence * 5];
        for (var t = 0; t < sequence; t++)
        {
            logits[(t * 5) + tag] = 1;
        }

        return logits;
    }

    private static ReadOnlyMemory<byte> VocabularyOf(TokenTableGraph graph) =>
        Encoding.UTF8.GetBytes(string.Join('\n', Partages.ModelKit.Training.VocabularyBuilder.SpecialTokens.Concat(graph.Words)) + "\n");

    private static (int, int, string) Span(string text, string part, string label)
    {
        var start = text.IndexOf(part, StringComparison.Ordinal);
        return (start, start + part.Length, label);
    }

    private static async Task<ResultDocument> EvaluateAsync(
        TestDirectory directory,
        TokenTableGraph graph,
        IReadOnlyList<(string Id, string Text, IReadOnlyList<(int Start, int End, string Label)> Entities)> documents,
        EvaluationSpec? spec = null,
        int? maxEntitiesPerReport = null)
    {
        var job = await NerJobFiles.WriteAsync(directory, graph.ToBundle(), spec ?? Spec, documents);
        return await new EvaluationEngine().EvaluateAsync(job with { MaxEntitiesPerReport = maxEntitiesPerReport }, null, CancellationToken.None);
    }
}
