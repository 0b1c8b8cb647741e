using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntimeGenAI;
using Partages.ModelKit.Generative;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.Benchmarks.Generation;

/// <summary>One loop's pass over the prompts: tokens generated, wall and process CPU seconds.</summary>
internal sealed record LoopPass(long Tokens, double WallSeconds, double CpuSeconds)
{
    public double TokensPerSecond => Tokens / WallSeconds;

    public double TokensPerCpuSecond => Tokens / CpuSeconds;
}

/// <summary>The throughput side's figures: every round of both loops and their medians.</summary>
internal sealed record ThroughputFigures(
    string Model,
    int Layers,
    int Prompts,
    double MeanPromptTokens,
    int NewTokens,
    int Threads,
    IReadOnlyList<LoopPass> Engine,
    IReadOnlyList<LoopPass> GenAi)
{
    public double EngineTokensPerSecond => Statistics.Median(Engine.Select(p => p.TokensPerSecond));

    public double GenAiTokensPerSecond => Statistics.Median(GenAi.Select(p => p.TokensPerSecond));

    public double EngineTokensPerCpuSecond => Statistics.Median(Engine.Select(p => p.TokensPerCpuSecond));

    public double GenAiTokensPerCpuSecond => Statistics.Median(GenAi.Select(p => p.TokensPerCpuSecond));

    public double Ratio => EngineTokensPerSecond / GenAiTokensPerSecond;

    public double CpuRatio => EngineTokensPerCpuSecond / GenAiTokensPerCpuSecond;
}

/// <summary>
/// The engine's greedy loop against ONNX Runtime GenAI's Generator loop on one model folder and the same prompts. The
/// time includes each prompt's prefill. The tokens are checked equal on the first prompt, so the loops compared do the
/// same work.
/// </summary>
internal static class GenerationThroughput
{
    public static ThroughputFigures Run(GenerationBenchmarkSettings settings, TextWriter console, CancellationToken cancellationToken)
    {
        var compute = settings.Compute;
        var name = compute is null ? "status-decoder-never-stops" : $"status-decoder-never-stops-{compute.Layers}x{compute.Width}";
        var built = GenerativeModelBuilder.Build(Path.Combine(settings.WorkDirectory, name), neverStops: true, compute);
        SetThreads(built.Directory, settings.Threads);
        var modelBytes = new FileInfo(Path.Combine(built.Directory, GenerativeModelBuilder.ModelFileName)).Length;
        using var model = new Model(built.Directory);
        using var tokenizer = new Tokenizer(model);
        var prompts = OncologyReportGenerator.Generate(SyntheticHospitals.ChuValmont, settings.Reports, seed: 20261207)
            .Select(r =>
            {
                using var sequences = tokenizer.Encode(StatusVocabulary.Prompt(r.Text, OncologyLabels.Egfr));
                return sequences[0].ToArray();
            })
            .ToList();
        using var options = GreedyDecoder.CreateOptions(settings.Threads);

        using var decoder = new GreedyDecoder(built.Directory, options);
        var limits = new GenerationLimits(settings.NewTokens, TimeSpan.FromHours(1));
        int Engine(int[] p) => decoder.Generate(p, limits, TimeProvider.System, cancellationToken).Tokens.Count;
        int GenAi(int[] p) => GenAiGreedy.Generate(model, p, settings.NewTokens, [built.EndOfTextId]).Length;

        var engineTokens = decoder.Generate(prompts[0], limits, TimeProvider.System, cancellationToken).Tokens;
        var genAiTokens = GenAiGreedy.Generate(model, prompts[0], settings.NewTokens, [built.EndOfTextId]);
        if (!engineTokens.SequenceEqual(genAiTokens))
        {
            throw new InvalidOperationException("the engine's loop and GenAI's generate different tokens on the first prompt: the comparison would be meaningless");
        }

        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model: {name}, {decoder.Config.Layers} layer(s), {modelBytes / 1e6:0.0} MB; {prompts.Count} prompts (mean {prompts.Average(p => p.Length):F0} tokens) x {settings.NewTokens} new tokens; intra-op threads {(settings.Threads == 0 ? "default" : settings.Threads)}; tokens equal on the first prompt"));
        var engine = new List<LoopPass>();
        var genAi = new List<LoopPass>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            // Alternate which loop goes first, so neither always meets a warm or a cold cache, or the same load.
            if (round % 2 == 0)
            {
                engine.Add(Pass(prompts, Engine));
                genAi.Add(Pass(prompts, GenAi));
            }
            else
            {
                genAi.Add(Pass(prompts, GenAi));
                engine.Add(Pass(prompts, Engine));
            }

            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}: engine {engine[^1].TokensPerSecond:F0} tokens/s ({engine[^1].WallSeconds:F2} s wall, {engine[^1].CpuSeconds:F2} s CPU), GenAI {genAi[^1].TokensPerSecond:F0} tokens/s ({genAi[^1].WallSeconds:F2} s wall, {genAi[^1].CpuSeconds:F2} s CPU); load {GenerationBenchmark.LoadAverage()}"));
        }

        var figures = new ThroughputFigures(name, decoder.Config.Layers, prompts.Count, prompts.Average(p => p.Length), settings.NewTokens, settings.Threads, engine, genAi);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median over {settings.Rounds} rounds: engine {figures.EngineTokensPerSecond:F0} tokens/s, GenAI {figures.GenAiTokensPerSecond:F0} tokens/s, ratio {figures.Ratio:F2} (wall); per CPU second: engine {figures.EngineTokensPerCpuSecond:F0}, GenAI {figures.GenAiTokensPerCpuSecond:F0}, ratio {figures.CpuRatio:F2}   target: >= 0.95"));
        return figures;
    }

    /// <summary>One pass of one loop over every prompt, timed on the wall and on the process's CPU.</summary>
    private static LoopPass Pass(List<int[]> prompts, Func<int[], int> generate)
    {
        var clock = ProcessClock.Start();
        var tokens = prompts.Sum(p => (long)generate(p));
        var (wall, cpu) = clock.Elapsed();
        return new LoopPass(tokens, wall, cpu);
    }

    /// <summary>GenAI reads its session options from genai_config.json: the same intra-op threads as the engine's session.</summary>
    private static void SetThreads(string directory, int threads)
    {
        if (threads == 0)
        {
            return;
        }

        var path = Path.Combine(directory, "genai_config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        config["model"]!["decoder"]!["session_options"]!["intra_op_num_threads"] = threads;
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
