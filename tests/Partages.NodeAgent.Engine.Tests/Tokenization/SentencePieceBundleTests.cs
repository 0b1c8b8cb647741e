using Partages.ModelKit;
using Partages.ModelKit.SentencePiece;
using Partages.NodeAgent.Engine.Bundles;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

/// <summary>
/// The engine, end to end, on a SentencePiece bundle built by the model kit (a BPE model learnt from the fictional
/// training corpus, CamemBERT's id conventions) beside the WordPiece demo bundle trained on the same corpus, both on
/// the fictional hospitals' AMR reports. Built once for the fixture, at a reduced scale (about five CPU seconds).
/// </summary>
public sealed class SentencePieceBundleTests() : DemoAssetsTestBase("partages-engine-sentencepiece-", AmrSpecPath, Options, "demo")
{
    private static readonly DemoAssetOptions Options = new() { TrainingDocuments = 1000, HospitalScale = 0.5 };

    private string _bundlePath = null!;
    private SentencePieceClassifierReport _report = null!;

    [OneTimeSetUp]
    public async Task BuildBundles()
    {
        var (bundle, report) = SentencePieceClassifierBuilder.Build(new SentencePieceClassifierOptions { Demo = Options });
        _bundlePath = Path.Combine(Root, "amr-classifier-sentencepiece.zip");
        await File.WriteAllBytesAsync(_bundlePath, bundle);
        _report = report;
    }

    [Test]
    public async Task EvaluateAsync_SentencePieceBundleOnEveryHospital_MatchesTheModelKitAndIsCloseToWordPiece()
    {
        var engine = new EvaluationEngine();
        foreach (var hospital in Assets.Hospitals)
        {
            var dataset = new DatasetDefinition(TestSpec.Dataset, hospital.AmrPath, DatasetFormats.Jsonl);
            var sentencePiece = await engine.EvaluateAsync(new EvaluationJob(_bundlePath, TestSpec, dataset), null, CancellationToken.None);
            var wordPiece = await engine.EvaluateAsync(new EvaluationJob(Assets.BundlePath, TestSpec, dataset), null, CancellationToken.None);
            await TestContext.Out.WriteLineAsync(
                $"{hospital.Slug}: {hospital.AmrCount} reports, accuracy sentencepiece {sentencePiece.Accuracy:F4} (macro F1 {sentencePiece.Macro.F1:F4}), wordpiece {wordPiece.Accuracy:F4} (macro F1 {wordPiece.Macro.F1:F4})");

            sentencePiece.InputSummary.DocumentsEvaluated.Should().Be(hospital.AmrCount);
            sentencePiece.InputSummary.Skipped.Should().BeEmpty();
            // The model kit scored the same reports with its C# reference of the same weights: one flipped near-tie at most.
            var reference = _report.HeldOutAccuracyByHospital.Single(h => h.Slug == hospital.Slug).Accuracy;
            sentencePiece.Accuracy.Should().BeApproximately(reference, 1.0 / hospital.AmrCount + 1e-9);
            sentencePiece.Accuracy.Should().BeApproximately(wordPiece.Accuracy, 0.05, "the same classifier over another vocabulary of the same corpus");
        }
    }

    [Test]
    public async Task Encode_EveryHospitalReport_GivesTheIdsTheModelWasTrainedOn()
    {
        var bundle = BundleReader.Read(_bundlePath, new EvaluationEngineOptions());
        var engineEncoder = TextEncoder.Create(bundle.Vocabulary, bundle.Manifest);
        var trainingEncoding = new SentencePieceEncoding(bundle.Vocabulary.ToArray(), bundle.Manifest.MaxLength);
        var texts = await AmrTextsAsync();

        texts.Should().NotBeEmpty();
        texts.Count(text => !engineEncoder.Encode(text).SequenceEqual(trainingEncoding.EncodeToIds(text))).Should().Be(0);
        (engineEncoder.ClassificationTokenId, engineEncoder.SeparatorTokenId, engineEncoder.PaddingTokenId).Should().Be((5, 6, 1), "CamemBERT's <s>, </s> and <pad>");
    }
}
