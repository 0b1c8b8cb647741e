using System.CommandLine;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.SentencePiece;

namespace Partages.ModelKit.Cli;

/// <summary>
/// <c>Partages.ModelKit sentencepiece-bundle --out FILE [--vocab-size N]</c>: the demo's AMR classifier over a
/// SentencePiece vocabulary learnt from the training corpus, packed with CamemBERT's tokenizer conventions.
/// </summary>
internal static class SentencePieceCommand
{
    public static Command Create()
    {
        var output = OutputOption.Create<FileInfo>("Bundle file to write (e.g. .demo/assets/models/amr-classifier-sentencepiece.zip).", "FILE");
        var vocabularySize = new Option<int>("--vocab-size")
        {
            Description = "Pieces in the SentencePiece model, special pieces and characters included.",
            DefaultValueFactory = _ => new BpeLearnerOptions().VocabularySize,
        };
        var command = new Command("sentencepiece-bundle", "Learn a SentencePiece BPE model from the training corpus, train the AMR classifier on its ids and pack the bundle.")
        {
            output,
            vocabularySize,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetRequiredValue(output), parse.GetValue(vocabularySize), Console.Out, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo output, int vocabularySize, TextWriter console, CancellationToken cancellationToken)
    {
        var options = new SentencePieceClassifierOptions { Vocabulary = new BpeLearnerOptions { VocabularySize = vocabularySize } };
        var (bundle, report) = await Task.Run(() => SentencePieceClassifierBuilder.Build(options, cancellationToken), cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(output.DirectoryName!);
        await File.WriteAllBytesAsync(output.FullName, bundle, cancellationToken).ConfigureAwait(false);
        var inv = CultureInfo.InvariantCulture;
        await console.WriteLineAsync(string.Create(inv,
            $"{output.FullName}: {report.Pieces} pieces, {report.MeanPiecesPerReport:F0} pieces per training report, SHA-256 {ModelBundle.Sha256Hex(bundle)}")).ConfigureAwait(false);
        await AccuracyLines.WriteAsync(
            console, report.TrainAccuracy, report.HeldOutAccuracy, report.OnnxHeldOutAccuracy, report.MaxLogitDifference, report.HeldOutAccuracyByHospital).ConfigureAwait(false);

        return 0;
    }
}
