using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// What every generative task opens before its first document: the bundle (its parts checked to agree), the spec's
/// task and template checked against it, the tokenizer and ONNX Runtime GenAI's model loaded with the node's thread
/// count. Shared by generative extraction and multiple-choice QA; each checks its own labels and contract.
/// </summary>
internal sealed class GenerativeSession : IDisposable
{
    private GenerativeSession(GenerativeBundle bundle, string template, ByteLevelTokenizer tokenizer, GuidedGenerator generator)
    {
        Bundle = bundle;
        Template = template;
        Tokenizer = tokenizer;
        Generator = generator;
    }

    public GenerativeBundle Bundle { get; }

    public GenerationSettings Settings => Bundle.Settings;

    /// <summary>The spec's prompt template, or the bundle's.</summary>
    public string Template { get; }

    public ByteLevelTokenizer Tokenizer { get; }

    /// <summary>ONNX Runtime GenAI's model, generating under guidance.</summary>
    public GuidedGenerator Generator { get; }

    public GenerationLimits Limits => new(Settings.MaxNewTokens, TimeSpan.FromSeconds(Settings.TimeBudgetSeconds));

    public DecodingRecord Decoding => new(DecodingRecord.Greedy, Settings.MaxNewTokens, Settings.Seed, DecodingRecord.GenAiGuidance);

    /// <summary>A prompt builder leaving room for the token budget in the model's context.</summary>
    public PromptBuilder Prompts() => new(Tokenizer, Template, Settings.OutputPrefix, Generator.Config.ContextLength - Settings.MaxNewTokens);

    /// <summary>
    /// The contract's guidance after the output prefix; with <paramref name="checkEnforceable"/>, ONNX Runtime GenAI is
    /// asked to take it (done once, before any document).
    /// </summary>
    /// <exception cref="EvaluationRefusedException">The prefix begins no answer, or GenAI cannot enforce the grammar.</exception>
    public ContractGuidance Guidance(ICanonicalLayout contract, OutputGrammar answers, bool checkEnforceable)
    {
        var guidance = new ContractGuidance(contract, answers, Settings.OutputPrefix);
        if (checkEnforceable)
        {
            guidance.CheckEnforceable(Generator, Tokenizer.TokenBytes);
        }

        return guidance;
    }

    /// <summary>One guided generation within the bundle's limits.</summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime GenAI failed on it.</exception>
    public GenerationResult Generate(IReadOnlyList<int> prompt, ContractGuidance guidance, CancellationToken cancellationToken) =>
        Generator.Generate(prompt, Limits, TimeProvider.System, cancellationToken, guidance.ForGeneration(Tokenizer.TokenBytes));

    /// <exception cref="EvaluationRefusedException">The dataset cannot be read, the bundle is not this task's, its template is refused, or its parts disagree.</exception>
    public static GenerativeSession Open(EngineRun run)
    {
        var job = run.Job;
        DatasetFile.OpenRead(job.Dataset).Dispose();
        var bundle = GenerativeBundle.Open(job.BundlePath, run.Options);
        try
        {
            if (bundle.Manifest.Task != job.Spec.Task)
            {
                throw new EvaluationRefusedException($"the spec's task '{job.Spec.Task}' differs from the model's task '{bundle.Manifest.Task}'");
            }

            var template = job.Spec.PromptTemplate ?? bundle.Settings.PromptTemplate;
            if (TaskRegistry.Get(job.Spec.Task).PromptTemplateProblems(template) is { Count: > 0 } problems)
            {
                throw new EvaluationRefusedException("prompt_template " + string.Join("; ", problems));
            }

            ByteLevelTokenizer tokenizer;
            GuidedGenerator generator;
            try
            {
                tokenizer = ByteLevelTokenizer.Read(Path.Combine(bundle.Root, bundle.Manifest.Tokenizer.Vocab));
                generator = new GuidedGenerator(bundle.Folder, run.Options.IntraOpNumThreads);
            }
            catch (Exception ex) when (ex is InvalidDataException or KeyNotFoundException or InvalidOperationException)
            {
                throw new EvaluationRefusedException("the generative model cannot be loaded: " + ex.Message, ex);
            }

            try
            {
                bundle.CheckAgreement(generator.Config, tokenizer);
            }
            catch
            {
                generator.Dispose();
                throw;
            }

            return new GenerativeSession(bundle, template, tokenizer, generator);
        }
        catch
        {
            bundle.Dispose();
            throw;
        }
    }

    /// <summary>How a limit that stopped a generation is counted when its output did not parse; end of text leaves the parse's verdict.</summary>
    public static string? KindOf(GenerationOutcome outcome) => outcome switch
    {
        GenerationOutcome.TokenBudget => InvalidKinds.TokenBudget,
        GenerationOutcome.TimeBudget => InvalidKinds.TimeBudget,
        GenerationOutcome.ContextFull => InvalidKinds.ContextFull,
        _ => null,
    };

    public void Dispose()
    {
        Generator.Dispose();
        Bundle.Dispose();
    }
}
