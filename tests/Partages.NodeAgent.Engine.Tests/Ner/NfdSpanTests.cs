namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>
/// Golden test of issue 21's NFD report: the same sentence decomposed (accents as combining marks) and composed must
/// score alike, whether it comes from JSONL or from a brat folder, because predicted spans end after the mark.
/// </summary>
public sealed class NfdSpanTests
{
    private const string Sentence = "EGFR : non muté. ALK : réarrangement non détecté.";

    private static readonly EvaluationSpec Spec = TokenTableGraph.OncologySpec;

    // Accents are folded before the vocabulary is looked up: "muté" is "mute", "détecté" is "detecte".
    private static readonly TokenTableGraph Graph = new()
    {
        Words = ["egfr", "alk", "non", "mute", "detecte", "rearrangement", ":", "."],
        TagOf = new Dictionary<string, int> { ["egfr"] = 1, ["alk"] = 1, ["non"] = 3, ["mute"] = 4, ["detecte"] = 4 },
        MaxLength = 32,
    };

    [TestCase(NormalizationForm.FormC, DatasetFormats.Jsonl)]
    [TestCase(NormalizationForm.FormD, DatasetFormats.Jsonl)]
    [TestCase(NormalizationForm.FormC, DatasetFormats.Brat)]
    [TestCase(NormalizationForm.FormD, DatasetFormats.Brat)]
    public async Task EvaluateAsync_NfdOrNfcSentence_FourEntitiesStrictAndExactCorrect(NormalizationForm form, string format)
    {
        using var directory = new TestDirectory();
        var text = Normalize(Sentence, form);
        (int Start, int End, string Label)[] gold =
        [
            Span(text, "EGFR", "BIOMARKER"), Span(text, Normalize("non muté", form), "STATUS"),
            Span(text, "ALK", "BIOMARKER"), Span(text, Normalize("non détecté", form), "STATUS"),
        ];

        var result = await EvaluateAsync(directory, text, gold, format);

        result.NDocuments.Should().Be(1);
        foreach (var scheme in new[] { NerSchemes.Strict, NerSchemes.Exact })
        {
            result.Schemes![scheme].Overall.Should().Match<NerSchemeMetrics>(
                m => m.Correct == 4 && m.Incorrect == 0 && m.Missed == 0 && m.Spurious == 0, $"{scheme} in {form}");
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task EvaluateAsync_BratTextWithByteOrderMark_FourEntitiesCorrectWhetherOffsetsCountTheMarkOrNot(bool offsetsCountTheMark)
    {
        using var directory = new TestDirectory();
        var text = Sentence;
        (int Start, int End, string Label)[] gold =
        [
            Span(text, "EGFR", "BIOMARKER"), Span(text, "non muté", "STATUS"),
            Span(text, "ALK", "BIOMARKER"), Span(text, "non détecté", "STATUS"),
        ];
        var shift = offsetsCountTheMark ? 1 : 0;

        var result = await EvaluateAsync(directory, text, [.. gold.Select(e => (e.Start + shift, e.End + shift, e.Label))], DatasetFormats.Brat, bom: true, offsetsCountTheMark);

        result.NDocuments.Should().Be(1);
        result.InputSummary.Skipped.Should().BeEmpty();
        result.Schemes![NerSchemes.Strict].Overall.Should().Match<NerSchemeMetrics>(
            m => m.Correct == 4 && m.Incorrect == 0 && m.Missed == 0 && m.Spurious == 0);
    }

    // Built char by char so the source file's own normalization cannot decide the test.
    private static string Normalize(string text, NormalizationForm form) =>
        form == NormalizationForm.FormC ? text : text.Replace("é", "e\u0301", StringComparison.Ordinal);

    // Offsets in code points, as the datasets count them; the sentence has no character outside the BMP.
    private static (int, int, string) Span(string text, string part, string label)
    {
        var start = text.IndexOf(part, StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0);
        return (start, start + part.Length, label);
    }

    private static async Task<ResultDocument> EvaluateAsync(TestDirectory directory, string text, (int Start, int End, string Label)[] gold, string format, bool bom = false, bool offsetsCountTheMark = false)
    {
        var bundlePath = await NerJobFiles.WriteBundleAsync(directory, Graph.ToBundle());
        string datasetPath;
        if (format == DatasetFormats.Brat)
        {
            datasetPath = directory.File("brat");
            Directory.CreateDirectory(datasetPath);
            var file = bom ? "\uFEFF" + text : text;
            await File.WriteAllTextAsync(Path.Combine(datasetPath, "d.txt"), file, new UTF8Encoding(false));
            // The mention is what the annotation tool saw at the offsets: the file with the mark when they count it.
            var annotated = offsetsCountTheMark ? file : text;
            var lines = gold.Select((e, i) => $"T{i + 1}\t{e.Label} {e.Start} {e.End}\t{annotated[e.Start..e.End]}");
            await File.WriteAllTextAsync(Path.Combine(datasetPath, "d.ann"), string.Join('\n', lines) + "\n");
        }
        else
        {
            datasetPath = directory.File("data.jsonl");
            await File.WriteAllTextAsync(datasetPath, NerJobFiles.JsonLine("d", text, gold) + "\n");
        }

        var job = new EvaluationJob(bundlePath, Spec, new DatasetDefinition("oncology", datasetPath, format));
        return await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);
    }
}
