using System.CommandLine;
using Partages.ModelKit.Generative;

namespace Partages.ModelKit.Cli;

/// <summary>
/// <c>Partages.ModelKit generative-model --out DIR [--never-stops]</c>: the hand-set status extractor as an ONNX Runtime
/// GenAI model folder (genai_config.json, model.onnx, tokenizer.json, tokenizer_config.json). Write it to an ignored
/// folder (.demo/…) or a temporary one: models are never committed.
/// </summary>
internal static class GenerativeCommand
{
    public static Command Create()
    {
        var output = OutputOption.Create<DirectoryInfo>("Folder to write the GenAI model into (e.g. .demo/assets/models/status-decoder).", "DIR");
        var neverStops = new Option<bool>("--never-stops") { Description = "Write the variant that never ends its output (token-budget tests)." };
        var command = new Command("generative-model", "Write the kit's small deterministic decoder-only model for ONNX Runtime GenAI.")
        {
            output,
            neverStops,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var built = GenerativeModelBuilder.Build(parse.GetRequiredValue(output).FullName, parse.GetValue(neverStops));
            return Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{built.Directory}: {built.Vocabulary.Bpe.Tokens.Count} tokens, context {built.ContextLength}, end of text {built.EndOfTextId}"));
        });
        return command;
    }
}
