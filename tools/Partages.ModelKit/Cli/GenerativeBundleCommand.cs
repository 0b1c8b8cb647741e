using System.CommandLine;
using Partages.ModelKit.Generative;

namespace Partages.ModelKit.Cli;

/// <summary>
/// <c>Partages.ModelKit generative-bundle --out DIR [--never-stops]</c>: the kit's generative model packed as a
/// generative bundle (<c>status-extractor.zip</c>: manifest + <c>genai/</c> folder) and each hospital's oncology reports
/// with their fields' gold values (<c>data/&lt;hospital&gt;/oncology-extraction.jsonl</c>). Sign the bundle with the
/// <c>sign</c> command. Write to an ignored folder (.demo/…) or a temporary one: bundles are never committed.
/// </summary>
internal static class GenerativeBundleCommand
{
    public static Command Create()
    {
        var output = OutputOption.Create<DirectoryInfo>("Folder to write the bundle and the datasets into (e.g. .demo/generative).", "DIR");
        var neverStops = new Option<bool>("--never-stops") { Description = "Pack the variant that never ends its output (token-budget tests)." };
        var command = new Command("generative-bundle", "Write the kit's generative bundle (generative_extraction) and the hospitals' extraction datasets.")
        {
            output,
            neverStops,
        };
        command.SetAction(parse =>
        {
            var built = GenerativeBundleBuilder.Build(parse.GetRequiredValue(output).FullName, neverStops: parse.GetValue(neverStops));
            Console.Out.WriteLine($"{built.BundlePath}  sha256 {built.BundleSha256}");
            Console.Out.WriteLine($"fields: {string.Join(", ", built.Manifest.Labels)}; values: {string.Join(", ", GenerativeBundleBuilder.Values)}");
            foreach (var (slug, path, count) in built.Datasets)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{slug}: {count} reports  {path}"));
            }

            return 0;
        });
        return command;
    }
}
