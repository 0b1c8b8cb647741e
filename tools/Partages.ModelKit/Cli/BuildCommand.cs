using System.CommandLine;

namespace Partages.ModelKit.Cli;

/// <summary><c>Partages.ModelKit build --out DIR [--force]</c>: builds the demo assets and says what it wrote.</summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var output = OutputOption.Create<DirectoryInfo>("Directory to write models/ and data/ into (created if missing).", "DIR");
        var force = new Option<bool>("--force")
        {
            Description = "Rebuild even if the stamp says the assets are up to date.",
        };
        var command = new Command("build", "Generate the fictional corpora, train the AMR classifier and pack its model bundle.")
        {
            output,
            force,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetRequiredValue(output), parse.GetValue(force), Console.Out, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo output, bool force, TextWriter console, CancellationToken cancellationToken)
    {
        if (force)
        {
            DemoAssets.Invalidate(output.FullName);
        }

        var assets = await DemoAssets.EnsureBuiltAsync(output.FullName, options: null, cancellationToken).ConfigureAwait(false);
        var model = assets.Model;
        var inv = CultureInfo.InvariantCulture;
        await console.WriteLineAsync(assets.Reused
            ? $"Up to date (stamp matches {DemoAssets.GeneratorVersion}): {assets.OutputDirectory}"
            : $"Built {DemoAssets.GeneratorVersion} into {assets.OutputDirectory}").ConfigureAwait(false);
        foreach (var hospital in assets.Hospitals)
        {
            await console.WriteLineAsync(string.Create(inv,
                $"  {Relative(assets, hospital.AmrPath),-40} {hospital.AmrCount,5} AMR reports ({hospital.DisplayName})")).ConfigureAwait(false);
            await console.WriteLineAsync(string.Create(inv,
                $"  {Relative(assets, hospital.OncologyPath),-40} {hospital.OncologyCount,5} oncology reports")).ConfigureAwait(false);
        }

        await console.WriteLineAsync(string.Create(inv,
            $"  {Relative(assets, assets.TrainingAmrPath),-40} {model.TrainingDocuments,5} training reports")).ConfigureAwait(false);
        await console.WriteLineAsync(string.Create(inv,
            $"  {Relative(assets, assets.BundlePath),-40} labels [{string.Join(", ", model.Labels)}], vocab {model.VocabularySize}, dim {model.Dimension}")).ConfigureAwait(false);
        await console.WriteLineAsync($"Bundle SHA-256: {assets.BundleSha256}").ConfigureAwait(false);
        await console.WriteLineAsync(string.Create(inv,
            $"Loss by epoch: {string.Join(" ", model.EpochLosses.Select(l => l.ToString("F4", inv)))}")).ConfigureAwait(false);
        await AccuracyLines.WriteAsync(
            console, model.TrainAccuracy, model.HeldOutAccuracy, model.OnnxHeldOutAccuracy, model.MaxLogitDifference, model.HeldOutAccuracyByHospital).ConfigureAwait(false);

        if (assets.NerModel is { } ner)
        {
            await console.WriteLineAsync(string.Create(inv,
                $"  {Relative(assets, assets.NerBundlePath),-40} tags [{string.Join(", ", ner.Tags)}], vocab {ner.VocabularySize}, SHA-256 {assets.NerBundleSha256}")).ConfigureAwait(false);
            var bySite = string.Join(", ", ner.HeldOutStrictF1ByHospital.Select(h => string.Create(inv, $"{h.Slug} {h.StrictF1:P1}")));
            await console.WriteLineAsync(string.Create(inv,
                $"NER strict F1: train {ner.TrainStrictF1:P1}, held-out {ner.HeldOutStrictF1:P1} (ONNX Runtime {ner.OnnxHeldOutStrictF1:P1}, max |Δlogit| {ner.MaxLogitDifference:E1}); {bySite}")).ConfigureAwait(false);
        }

        return 0;
    }

    private static string Relative(DemoAssetSet assets, string path) => Path.GetRelativePath(assets.OutputDirectory, path);
}
