using Microsoft.ML.OnnxRuntimeGenAI;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.ModelKit.Generative;
using Partages.ModelKit.Synthetic;
using Partages.NodeAgent.Engine.Generation;
using Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

namespace Partages.Benchmarks.Generation;

/// <summary>One loop's pass over the prompts: tokens generated, wall and process CPU seconds.</summary>
internal sealed record LoopPass(long Tokens, double WallSeconds, double CpuSeconds)
{
    public double TokensPerSecond => Tokens / WallSeconds;

    public double TokensPerCpuSecond => Tokens / CpuSeconds;
}

/// <summary>One comparison: every round of the node's loop and of GenAI's bare loop, and their medians.</summary>
internal sealed record LoopComparison(string Name, IReadOnlyList<LoopPass> Node, IReadOnlyList<LoopPass> GenAi)
{
    public double NodeTokensPerSecond => Statistics.Median(Node.Select(p => p.TokensPerSecond));

    public double GenAiTokensPerSecond => Statistics.Median(GenAi.Select(p => p.TokensPerSecond));

    public double NodeTokensPerCpuSecond => Statistics.Median(Node.Select(p => p.TokensPerCpuSecond));

    public double GenAiTokensPerCpuSecond => Statistics.Median(GenAi.Select(p => p.TokensPerCpuSecond));

    public double Ratio => NodeTokensPerSecond / GenAiTokensPerSecond;

    public double CpuRatio => NodeTokensPerCpuSecond / GenAiTokensPerCpuSecond;
}

/// <summary>The throughput side's figures: the comparison without guidance and the one under the contract's guidance.</summary>
internal sealed record ThroughputFigures(string Model, int Layers, int Prompts, int NewTokens, int Threads, LoopComparison Unguided, LoopComparison Guided);

/// <summary>
/// The node's generation loop (<see cref="GuidedGenerator"/>: ONNX Runtime GenAI's Generator driven token by token,
/// with its budget, time, context and completion checks) against GenAI's bare loop (<c>GenerateNextToken</c> until
/// <c>IsDone</c>), both on one <see cref="Model"/> loaded with the same session overlay, same prompts, sides
/// alternating. Two comparisons: (1) no guidance, on the never-stopping model, so both write exactly --new-tokens per
/// prompt; (2) the generative extraction contract's regex guidance (what the node enforces), on the kit's model with
/// the bundle's prompts, each side counting the tokens it wrote. The outputs are checked equal on every prompt, so the
/// loops compared do the same work. Time includes each prompt's prefill and each generator's grammar setup.
/// </summary>
internal static class GenerationThroughput
{
    public static ThroughputFigures Run(GenerationBenchmarkSettings settings, TextWriter console, CancellationToken cancellationToken)
    {
        var compute = settings.Compute;
        var suffix = compute is null ? "" : $"-{compute.Layers}x{compute.Width}";
        var reports = OncologyReportGenerator.Generate(SyntheticHospitals.ChuValmont, settings.Reports, seed: 20261207).ToList();
        var limits = new GenerationLimits(settings.NewTokens, TimeSpan.FromHours(1));

        var neverStops = GenerativeModelBuilder.Build(Path.Combine(settings.WorkDirectory, "status-decoder-never-stops" + suffix), neverStops: true, compute);
        LoopComparison unguided;
        int layers;
        using (var node = new GuidedGenerator(neverStops.Directory, settings.Threads))
        using (var model = BareModel(neverStops.Directory, settings.Threads))
        using (var tokenizer = new Tokenizer(model))
        {
            layers = node.Config.Layers;
            var prompts = reports.Select(r => Encode(tokenizer, StatusVocabulary.Prompt(r.Text, OncologyLabels.Egfr))).ToList();
            unguided = Compare(
                "no guidance, never-stopping model",
                prompts,
                p => node.Generate(p, limits, TimeProvider.System, cancellationToken).Tokens.ToArray(),
                p => GenAiGreedy.Generate(model, p, settings.NewTokens, [neverStops.EndOfTextId]),
                settings,
                console);
        }

        var kit = GenerativeModelBuilder.Build(Path.Combine(settings.WorkDirectory, "status-decoder" + suffix), neverStops: false, compute);
        var manifest = GenerativeBundleBuilder.Manifest(GenerativeBundleBuilder.DefaultFields, settings.NewTokens);
        var contract = new OutputContract(manifest.Generation!.Fields);
        var guidance = new ContractGuidance(contract, ContractGuidance.Of(contract), manifest.Generation.OutputPrefix);
        var tokenBytes = Partages.NodeAgent.Engine.Generation.ByteLevelTokenizer.Read(Path.Combine(kit.Directory, "tokenizer.json")).TokenBytes;
        LoopComparison guided;
        long bareSteps = 0, bareTokens = 0;
        using (var node = new GuidedGenerator(kit.Directory, settings.Threads))
        using (var model = BareModel(kit.Directory, settings.Threads))
        using (var tokenizer = new Tokenizer(model))
        {
            var prompts = reports.Select(r => Encode(tokenizer, PromptTemplate.Fill(GenerativeBundleBuilder.PromptTemplate, r.Text) + manifest.Generation.OutputPrefix)).ToList();
            guided = Compare(
                "contract's regex guidance, kit model, bundle prompts",
                prompts,
                p => node.Generate(p, limits, TimeProvider.System, cancellationToken, guidance.ForGeneration(tokenBytes)).Tokens.ToArray(),
                p =>
                {
                    var written = BareGuided(model, p, settings.NewTokens, GuidedOutput.Regex, guidance.Regex, [kit.EndOfTextId], () => bareSteps++);
                    bareTokens += written.Length;
                    return written;
                },
                settings,
                console);
        }

        // The node stops at the complete answer; GenAI's bare loop steps until the guidance ends the sequence.
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  GenAI's bare loop: {bareSteps} GenerateNextToken calls for {bareTokens} tokens written (the node's loop: one call per token)"));

        return new ThroughputFigures(Path.GetFileName(neverStops.Directory), layers, reports.Count, settings.NewTokens, settings.Threads, unguided, guided);
    }

    private static LoopComparison Compare(string name, List<int[]> prompts, Func<int[], int[]> node, Func<int[], int[]> genAi, GenerationBenchmarkSettings settings, TextWriter console)
    {
        var differ = prompts.Count(p => !node(p).SequenceEqual(genAi(p)));
        if (differ > 0)
        {
            throw new InvalidOperationException($"{name}: the node's loop and GenAI's bare loop write different tokens on {differ} of {prompts.Count} prompts: the comparison would be meaningless");
        }

        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {prompts.Count} prompts (mean {prompts.Average(p => p.Length):F0} tokens), at most {settings.NewTokens} new tokens; intra-op threads {(settings.Threads == 0 ? "default" : settings.Threads)}; the same tokens on every prompt"));
        var nodePasses = new List<LoopPass>();
        var genAiPasses = new List<LoopPass>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            // Alternate which loop goes first, so neither always meets a warm or a cold cache, or the same load.
            if (round % 2 == 0)
            {
                nodePasses.Add(Pass(prompts, node));
                genAiPasses.Add(Pass(prompts, genAi));
            }
            else
            {
                genAiPasses.Add(Pass(prompts, genAi));
                nodePasses.Add(Pass(prompts, node));
            }

            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1}: node {nodePasses[^1].TokensPerSecond:F0} tokens/s ({nodePasses[^1].WallSeconds:F2} s wall, {nodePasses[^1].CpuSeconds:F2} s CPU), GenAI {genAiPasses[^1].TokensPerSecond:F0} tokens/s ({genAiPasses[^1].WallSeconds:F2} s wall, {genAiPasses[^1].CpuSeconds:F2} s CPU), {nodePasses[^1].Tokens} tokens; load {GenerationBenchmark.LoadAverage()}"));
        }

        var comparison = new LoopComparison(name, nodePasses, genAiPasses);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  median over {settings.Rounds} rounds: node {comparison.NodeTokensPerSecond:F0} tokens/s, GenAI {comparison.GenAiTokensPerSecond:F0} tokens/s, ratio {comparison.Ratio:F3} (wall); per CPU second: node {comparison.NodeTokensPerCpuSecond:F0}, GenAI {comparison.GenAiTokensPerCpuSecond:F0}, ratio {comparison.CpuRatio:F3}   target: >= 0.95"));
        return comparison;
    }

    /// <summary>One pass of one loop over every prompt, timed on the wall and on the process's CPU.</summary>
    private static LoopPass Pass(List<int[]> prompts, Func<int[], int[]> generate)
    {
        var clock = ProcessClock.Start();
        var tokens = prompts.Sum(p => (long)generate(p).Length);
        var (wall, cpu) = clock.Elapsed();
        return new LoopPass(tokens, wall, cpu);
    }

    /// <summary>GenAI's model with the node's session overlay (threads, no memory pattern): the loops differ, the sessions do not.</summary>
    private static Model BareModel(string directory, int threads)
    {
        using var config = new Config(directory);
        config.Overlay(GuidedGenerator.SessionOverlay(threads));
        return new Model(config);
    }

    /// <summary>GenAI's bare loop under a guidance: <c>GenerateNextToken</c> until <c>IsDone</c>, end of text dropped.</summary>
    private static int[] BareGuided(Model model, int[] prompt, int maxNewTokens, string type, string guidance, IReadOnlyCollection<int> endOfText, Action step)
    {
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + maxNewTokens);
        parameters.SetSearchOption("do_sample", false);
        parameters.SetGuidance(type, guidance);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompt);
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
            step();
        }

        return generator.GetSequence(0)[prompt.Length..].ToArray().Where(t => !endOfText.Contains(t)).ToArray();
    }

    private static int[] Encode(Tokenizer tokenizer, string text)
    {
        using var sequences = tokenizer.Encode(text);
        return sequences[0].ToArray();
    }
}
