using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Generation;
using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Telemetry;

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
    private GenerationResult Generate(IReadOnlyList<int> prompt, ContractGuidance guidance, CancellationToken cancellationToken) =>
        Generator.Generate(prompt, Limits, TimeProvider.System, cancellationToken, guidance.ForGeneration(Tokenizer.TokenBytes));

    /// <summary>
    /// The per-document loop both generative tasks run: each document of the run's segment read, its prompt and guidance
    /// made by <paramref name="prepare"/>, generated (a document GenAI fails on is skipped as <c>inference_failed</c>),
    /// and handed to <paramref name="count"/> with its output's bytes; progress reported, cancellation honoured.
    /// </summary>
    /// <returns>What was read, evaluated and skipped.</returns>
    public InputSummary GenerateEach(
        EngineRun run,
        IDocumentReader reader,
        Func<LabeledDocument, (List<int> Prompt, bool Truncated, ContractGuidance Guidance)> prepare,
        Action<GeneratedDocument> count)
    {
        var inference = new SkipTally();
        long evaluated = 0;
        var prefix = System.Text.Encoding.UTF8.GetBytes(Settings.OutputPrefix);
        var total = DatasetScanner.Scan(run.Job.Dataset, run.Options.MaxLineBytes, fingerprint: false, run.CancellationToken).Documents;
        var segment = new SegmentReader(reader, run.Plan);
        while (segment.TryRead(out var document, out var ordinal))
        {
            run.CancellationToken.ThrowIfCancellationRequested();
            var (prompt, cut, guidance) = prepare(document);
            GenerationResult generation;
            try
            {
                generation = Generate(prompt, guidance, run.CancellationToken);
            }
            catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
            {
                // One document's generation failed inside GenAI: counted, the run goes on. A disposed session is the
                // engine's own fault and would fail every later document, so it ends the run instead.
                inference.Add(SkipKinds.InferenceFailed);
                continue;
            }

            evaluated++;
            var written = Tokenizer.Bytes(generation.Tokens);
            var id = document.Id ?? (ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            count(new GeneratedDocument(document, id, generation.Outcome, [.. prefix, .. written], written, cut));
            run.Progress?.Report(new EvaluationProgress(segment.DocumentsRead, Math.Max(total, segment.DocumentsRead)));
        }

        EngineTelemetry.DocumentsEvaluated.Add(evaluated);
        return new InputSummary
        {
            DocumentsRead = segment.LinesSinceStart,
            DocumentsEvaluated = evaluated,
            Skipped = SkipTally.Sum(segment.SkippedSinceStart(), inference.Snapshot()),
        };
    }

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

/// <summary>
/// One generated document as the tasks count it: the document, its id for local mode's predictions, how the generation
/// ended, the whole output (output prefix then the generated bytes), the generated bytes alone, and whether its text was cut.
/// </summary>
internal readonly record struct GeneratedDocument(LabeledDocument Document, string Id, GenerationOutcome Outcome, byte[] Output, byte[] Written, bool Truncated);
