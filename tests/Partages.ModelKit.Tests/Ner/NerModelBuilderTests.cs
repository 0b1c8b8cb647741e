using Microsoft.ML.OnnxRuntime;
using Partages.Evaluation.Bundles;
using Partages.ModelKit.Ner;

namespace Partages.ModelKit.Tests.Ner;

public class NerModelBuilderTests
{
    private const ulong Seed = 20260101;
    private static IReadOnlyList<(string Slug, IReadOnlyList<OncologyReport> Reports)> s_heldOut = null!;
    private static byte[] s_bundle = null!;
    private static NerModelReport s_report = null!;

    [OneTimeSetUp]
    public void BuildOnce()
    {
        s_heldOut = [.. SyntheticHospitals.All.Select(h => (h.Slug, OncologyReportGenerator.Generate(h, h.OncologyCount, Seed)))];
        (s_bundle, s_report) = NerModelBuilder.Build(s_heldOut, Seed, "test");
    }

    [Test]
    public void Build_OnnxRuntime_AgreesWithTheCSharpForwardPassWithin1e4()
    {
        s_report.MaxLogitDifference.Should().BeLessThan(1e-4);
        s_report.OnnxHeldOutStrictF1.Should().Be(s_report.HeldOutStrictF1);
    }

    [Test]
    public void Build_HeldOutStrictF1_IsHighButNotPerfect()
    {
        TestContext.Out.WriteLine(
            $"losses {string.Join(", ", s_report.EpochLosses.Select(l => l.ToString("F4")))}; train F1 {s_report.TrainStrictF1:F4}; held-out {s_report.HeldOutStrictF1:F4} " +
            $"({string.Join(", ", s_report.HeldOutStrictF1ByHospital.Select(h => $"{h.Slug} {h.StrictF1:F4}"))}); ONNX {s_report.OnnxHeldOutStrictF1:F4}; Δ {s_report.MaxLogitDifference:E2}");
        s_report.HeldOutStrictF1.Should().BeInRange(0.85, 0.9999);
        s_report.HeldOutStrictF1ByHospital.Should().HaveCount(3).And.OnlyContain(h => h.StrictF1 > 0.7);
    }

    [Test]
    public void Build_Bundle_HoldsATokenClassificationManifestOverIob2Tags()
    {
        using var zip = new ZipArchive(new MemoryStream(s_bundle), ZipArchiveMode.Read);
        zip.Entries.Select(e => e.FullName).Should().Equal(ModelManifest.FileName, "model.onnx", "vocab.txt");
        using var reader = new StreamReader(zip.GetEntry(ModelManifest.FileName)!.Open());
        var manifest = ModelManifest.FromJson(reader.ReadToEnd());
        manifest.Task.Should().Be(TaskTypes.TokenClassification);
        manifest.Labels.Should().Equal("O", "B-BIOMARKER", "I-BIOMARKER", "B-STATUS", "I-STATUS");
        manifest.Stride.Should().BeGreaterThan(0);

        using var model = new MemoryStream();
        zip.GetEntry("model.onnx")!.Open().CopyTo(model);
        using var session = new InferenceSession(model.ToArray());
        session.OutputMetadata["logits"].Dimensions.Should().HaveCount(3);
        session.OutputMetadata["logits"].Dimensions[2].Should().Be(5);
    }

    [Test]
    public void Build_Bundle_DeclaresAttributeAndCodeOutputsTheGraphHas()
    {
        using var zip = new ZipArchive(new MemoryStream(s_bundle), ZipArchiveMode.Read);
        using var reader = new StreamReader(zip.GetEntry(ModelManifest.FileName)!.Open());
        var manifest = ModelManifest.FromJson(reader.ReadToEnd());
        using var model = new MemoryStream();
        zip.GetEntry("model.onnx")!.Open().CopyTo(model);
        using var session = new InferenceSession(model.ToArray());

        manifest.Attributes!.Select(a => (a.Name, a.Default)).Should().Equal(("Negation", "false"), ("Hypothesis", "false"));
        manifest.Normalisation!.System.Should().Be(OncologyCodes.System);
        manifest.Normalisation.Codes.Should().Equal(OncologyCodes.All);
        foreach (var (output, width) in manifest.Attributes!.Select(a => (a.Output, a.Values.Count)).Append((manifest.Normalisation.Output, manifest.Normalisation.Codes.Count)))
        {
            session.OutputMetadata[output].Dimensions.Should().Equal(-1, -1, width);
        }
    }

    [Test]
    public void Build_QualifierHeads_LearnNegationWellAndCodesImperfectly()
    {
        var accuracy = s_report.HeldOutQualifierAccuracy!;
        TestContext.Out.WriteLine(string.Join(", ", accuracy.Select(a => $"{a.Key} {a.Value:F4}")));

        // Negation is in the result phrase itself; the morphology code lies outside a radius-2 window, so it is only guessed from the biomarker.
        accuracy["Negation"].Should().BeGreaterThan(0.9);
        accuracy["Hypothesis"].Should().BeGreaterThan(0.9);
        accuracy[OncologyCodes.System].Should().BeInRange(0.3, 0.99);
    }

    [Test]
    public void Build_SameInputs_SameBytes()
    {
        var small = new NerModelOptions { TrainingDocuments = 120, Tagger = new TaggerOptions { Epochs = 1 } };
        var heldOut = s_heldOut.Select(h => (h.Slug, (IReadOnlyList<OncologyReport>)[.. h.Reports.Take(5)])).ToList();

        var first = NerModelBuilder.Build(heldOut, Seed, "test", small).Bundle;
        var second = NerModelBuilder.Build(heldOut, Seed, "test", small).Bundle;

        second.Should().Equal(first);
    }
}
