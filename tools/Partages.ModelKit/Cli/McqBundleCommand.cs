using System.CommandLine;
using Microsoft.ML.OnnxRuntimeGenAI;
using Partages.ModelKit.Generative;
using Partages.ModelKit.MultipleChoice;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.Cli;

/// <summary>
/// <c>Partages.ModelKit mcq-bundle --out DIR</c>: the kit's multiple-choice model packed as a generative bundle
/// (<c>mcq-answerer.zip</c>, task <c>multiple_choice_qa</c>) and each hospital's fictional questions
/// (<c>data/&lt;hospital&gt;/mcq.jsonl</c>). The written model is loaded in ONNX Runtime GenAI and answers one question,
/// so a folder GenAI cannot read fails here. Sign the bundle with the <c>sign</c> command. Write to an ignored folder.
/// </summary>
internal static class McqBundleCommand
{
    public static Command Create()
    {
        var output = OutputOption.Create<DirectoryInfo>("Folder to write the bundle and the question sets into (e.g. .demo/mcq).", "DIR");
        var command = new Command("mcq-bundle", "Write the kit's multiple-choice bundle (multiple_choice_qa) and the hospitals' question sets.") { output };
        command.SetAction(parse =>
        {
            var directory = parse.GetRequiredValue(output).FullName;
            var built = McqBundleBuilder.Build(directory);
            Console.Out.WriteLine($"{built.BundlePath}  sha256 {built.BundleSha256}");
            foreach (var (slug, path, count) in built.Datasets)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{slug}: {count} questions  {path}"));
            }

            var check = Path.Combine(directory, "genai-check");
            try
            {
                var model = McqModelBuilder.Build(check);
                using var genai = new Model(model.Directory);
                using var tokenizer = new Tokenizer(genai);
                var question = McqCatalogue.Generate(SyntheticHospitals.ChuValmont, 1, McqBundleBuilder.Seed)[0];
                using var prompt = tokenizer.Encode(McqBundleBuilder.Prompt(question));
                var tokens = GenAiGreedy.Generate(genai, prompt[0].ToArray(), maxNewTokens: 24, [model.EndOfTextId]);
                Console.Out.WriteLine($"ONNX Runtime GenAI, {question.Id}: [\"{tokenizer.Decode(tokens)} (gold: {string.Join(", ", question.Answers)})");
            }
            finally
            {
                Directory.Delete(check, recursive: true);
            }

            return 0;
        });
        return command;
    }
}
