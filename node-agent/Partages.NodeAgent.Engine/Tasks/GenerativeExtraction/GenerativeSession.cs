using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// What every generative task opens before its first document: the bundle (its parts checked to agree), the spec's
/// task and template checked against it, the tokenizer and the decoder loaded. Shared by generative extraction and
/// multiple-choice QA; each checks its own labels and contract.
/// </summary>
internal sealed class GenerativeSession : IDisposable
{
    private GenerativeSession(GenerativeBundle bundle, string template, ByteLevelTokenizer tokenizer, GreedyDecoder decoder)
    {
        Bundle = bundle;
        Template = template;
        Tokenizer = tokenizer;
        Decoder = decoder;
    }

    public GenerativeBundle Bundle { get; }

    public GenerationSettings Settings => Bundle.Settings;

    /// <summary>The spec's prompt template, or the bundle's.</summary>
    public string Template { get; }

    public ByteLevelTokenizer Tokenizer { get; }

    public GreedyDecoder Decoder { get; }

    public GenerationLimits Limits => new(Settings.MaxNewTokens, TimeSpan.FromSeconds(Settings.TimeBudgetSeconds));

    public DecodingRecord Decoding => new(DecodingRecord.Greedy, Settings.MaxNewTokens, Settings.Seed, DecodingRecord.EngineLogitMask);

    /// <summary>A prompt builder leaving room for the token budget in the model's context.</summary>
    public PromptBuilder Prompts() => new(Tokenizer, Template, Settings.OutputPrefix, Decoder.Config.ContextLength - Settings.MaxNewTokens);

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
            GreedyDecoder decoder;
            try
            {
                tokenizer = ByteLevelTokenizer.Read(Path.Combine(bundle.Root, bundle.Manifest.Tokenizer.Vocab));
                decoder = new GreedyDecoder(bundle.Folder);
            }
            catch (Exception ex) when (ex is InvalidDataException or KeyNotFoundException or InvalidOperationException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                throw new EvaluationRefusedException("the generative model cannot be loaded: " + ex.Message, ex);
            }

            try
            {
                bundle.CheckAgreement(decoder.Config, tokenizer, decoder.LogitsWidth);
            }
            catch
            {
                decoder.Dispose();
                throw;
            }

            return new GenerativeSession(bundle, template, tokenizer, decoder);
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
        GenerationOutcome.ConstraintDeadEnd => InvalidKinds.Unparsable,
        _ => null,
    };

    public void Dispose()
    {
        Decoder.Dispose();
        Bundle.Dispose();
    }
}
