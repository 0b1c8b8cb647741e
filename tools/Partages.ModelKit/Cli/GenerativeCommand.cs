using System.CommandLine;
using Microsoft.ML.OnnxRuntimeGenAI;
using Partages.ModelKit.Generative;

namespace Partages.ModelKit.Cli;

/// <summary>
/// <c>Partages.ModelKit generative-model --out DIR [--never-stops] [--compute-layers N --compute-width W]</c>: the hand-set status extractor as an ONNX Runtime
/// GenAI model folder (genai_config.json, model.onnx, tokenizer.json, tokenizer_config.json). Write it to an ignored
/// folder (.demo/…) or a temporary one: models are never committed.
/// </summary>
internal static class GenerativeCommand
{
    private const string SampleReport = "- EGFR : muté (del19) (NGS)\n- ALK : nég (IHC D5F3)\n";

    public static Command Create()
    {
        var output = OutputOption.Create<DirectoryInfo>("Folder to write the GenAI model into (e.g. .demo/assets/models/status-decoder).", "DIR");
        var neverStops = new Option<bool>("--never-stops") { Description = "Write the variant that never ends its output (token-budget tests)." };
        var computeLayers = new Option<int>("--compute-layers")
        {
            Description = "Add this many transformer layers of per-token compute that leave every output unchanged (benchmarks); 0: none.",
        };
        var computeWidth = new Option<int>("--compute-width") { Description = "Hidden width of the compute layers.", DefaultValueFactory = _ => 256 };
        var command = new Command("generative-model", "Write the kit's small deterministic decoder-only model for ONNX Runtime GenAI.")
        {
            output,
            neverStops,
            computeLayers,
            computeWidth,
        };
        command.SetAction(parse =>
        {
            var compute = parse.GetValue(computeLayers) > 0 ? new ComputeSize(parse.GetValue(computeLayers), parse.GetValue(computeWidth)) : null;
            if (compute?.Validate() is { Count: > 0 } errors)
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine("--compute-layers/--compute-width: " + error);
                }

                return 2;
            }

            var built = GenerativeModelBuilder.Build(parse.GetRequiredValue(output).FullName, parse.GetValue(neverStops), compute);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{built.Directory}: {built.Vocabulary.Bpe.Tokens.Count} tokens, context {built.ContextLength}, end of text {built.EndOfTextId}"));
            // Load what was written in ONNX Runtime GenAI and generate once, so a folder GenAI cannot read fails here.
            using var model = new Model(built.Directory);
            using var tokenizer = new Tokenizer(model);
            using var prompt = tokenizer.Encode(StatusVocabulary.Prompt(SampleReport, "EGFR"));
            var tokens = GenAiGreedy.Generate(model, prompt[0].ToArray(), maxNewTokens: 8, [built.EndOfTextId]);
            Console.Out.WriteLine($"ONNX Runtime GenAI, sample report, EGFR: {{\"EGFR\":{tokenizer.Decode(tokens)}");
            return 0;
        });
        return command;
    }
}
