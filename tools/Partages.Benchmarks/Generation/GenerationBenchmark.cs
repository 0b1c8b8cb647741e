using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntimeGenAI;
using Partages.ModelKit.Generative;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.Benchmarks.Generation;

/// <summary>The settings of <c>generation</c>: prompts, new tokens per prompt, rounds.</summary>
internal sealed record GenerationBenchmarkSettings(int Reports, int NewTokens, int Rounds, string WorkDirectory) : IBenchmarkSettings
{
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Reports <= 0)
        {
            errors.Add($"--reports must be positive (was {Reports}).");
        }

        if (NewTokens <= 0)
        {
            errors.Add($"--new-tokens must be positive (was {NewTokens}).");
        }

        if (Rounds <= 0)
        {
            errors.Add($"--rounds must be positive (was {Rounds}).");
        }

        return errors;
    }
}

/// <summary>
/// <c>generation</c>: generated tokens per second of the engine's greedy loop (<see cref="GreedyDecoder"/>, ONNX
/// Runtime directly) against ONNX Runtime GenAI's own Generator loop, on the model kit's never-stopping model (so
/// both generate exactly --new-tokens per prompt) and the same prompts (fictional reports of CHU de Valmont). The
/// time includes each prompt's prefill; figures are printed, never asserted.
/// </summary>
internal static class GenerationBenchmark
{
    public static Command Create()
    {
        var reports = new Option<int>("--reports") { Description = "Prompts (one fictional oncology report each).", DefaultValueFactory = _ => 50 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens generated per prompt by both loops.", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; each runs both loops once, alternating which goes first.", DefaultValueFactory = _ => 5 };
        var workDir = new Option<string>("--work-dir") { Description = "Where the model folder is written.", DefaultValueFactory = _ => Path.Combine("artifacts", "benchmarks", "generation") };
        var command = new Command("generation", "Generated tokens per second: the engine's greedy loop against ONNX Runtime GenAI's Generator.")
        {
            reports, newTokens, rounds, workDir,
        };
        SettingsErrors.SetAction(
            command,
            parse => new GenerationBenchmarkSettings(parse.GetValue(reports), parse.GetValue(newTokens), parse.GetValue(rounds), Path.GetFullPath(parse.GetValue(workDir)!)),
            (settings, cancellationToken) => Task.FromResult(Run(settings, Console.Out, cancellationToken)));
        return command;
    }

    private static int Run(GenerationBenchmarkSettings settings, TextWriter console, CancellationToken cancellationToken)
    {
        var built = GenerativeModelBuilder.Build(Path.Combine(settings.WorkDirectory, "status-decoder-never-stops"), neverStops: true);
        using var model = new Model(built.Directory);
        using var tokenizer = new Tokenizer(model);
        var prompts = OncologyReportGenerator.Generate(SyntheticHospitals.ChuValmont, settings.Reports, seed: 20261207)
            .Select(r =>
            {
                using var sequences = tokenizer.Encode(StatusVocabulary.Prompt(r.Text, OncologyLabels.Egfr));
                return sequences[0].ToArray();
            })
            .ToList();
        using var decoder = new GreedyDecoder(built.Directory);
        var limits = new GenerationLimits(settings.NewTokens, TimeSpan.FromHours(1));
        var engineRates = new List<double>();
        var genAiRates = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            // Alternate which loop goes first, so neither always meets a warm or a cold cache.
            if (round % 2 == 0)
            {
                engineRates.Add(Rate(() => prompts.Sum(p => decoder.Generate(p, limits, TimeProvider.System, cancellationToken).Tokens.Count)));
                genAiRates.Add(Rate(() => prompts.Sum(p => GenAiGreedy.Generate(model, p, settings.NewTokens, [built.EndOfTextId]).Length)));
            }
            else
            {
                genAiRates.Add(Rate(() => prompts.Sum(p => GenAiGreedy.Generate(model, p, settings.NewTokens, [built.EndOfTextId]).Length)));
                engineRates.Add(Rate(() => prompts.Sum(p => decoder.Generate(p, limits, TimeProvider.System, cancellationToken).Tokens.Count)));
            }

            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: engine {engineRates[^1]:F0} tokens/s, GenAI {genAiRates[^1]:F0} tokens/s"));
        }

        double engine = Median(engineRates), genAi = Median(genAiRates);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median over {settings.Rounds} rounds, {prompts.Count} prompts (mean {prompts.Average(p => p.Length):F0} tokens) x {settings.NewTokens} new tokens: engine {engine:F0} tokens/s, GenAI {genAi:F0} tokens/s, ratio {engine / genAi:F2}"));
        return 0;
    }

    /// <summary>Generated tokens per second of one pass over the prompts.</summary>
    private static double Rate(Func<int> pass)
    {
        var watch = Stopwatch.StartNew();
        var tokens = pass();
        return tokens / watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
