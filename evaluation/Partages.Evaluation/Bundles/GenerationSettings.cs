using Partages.Evaluation.Tasks.GenerativeExtraction;

namespace Partages.Evaluation.Bundles;

/// <summary>
/// A generative bundle's <c>generation</c> section (docs/generative.md): where the ONNX Runtime GenAI model folder
/// is in the bundle, the prompt, the output contract and the decoding settings. The reproducibility manifest records
/// all of it with the bundle's hash.
/// </summary>
public sealed record GenerationSettings
{
    /// <summary>The GenAI model folder inside the bundle (<c>genai_config.json</c>, the graph and its data, the tokenizer files).</summary>
    public string ModelFolder { get; init; } = "genai";

    /// <summary>The prompt, with <c>{{report}}</c> where the report goes (<see cref="Tasks.GenerativeExtraction.PromptTemplate"/>); a spec may replace it.</summary>
    public required string PromptTemplate { get; init; }

    /// <summary>
    /// The beginning of the answer, written into the prompt after the filled template (e.g. <c>{"EGFR":</c>): the model
    /// continues it, and the JSON parsed is this prefix followed by the generated text. Empty: the model writes it all.
    /// </summary>
    public string OutputPrefix { get; init; } = "";

    /// <summary>Generative extraction's output contract: the fields to extract, in order, and their allowed values (none for multiple-choice QA, whose options are its labels).</summary>
    public IReadOnlyList<OutputField> Fields { get; init; } = [];

    /// <summary>The token budget of one generation; an output it cuts is counted <c>token_budget</c>.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Wall-clock budget of one generation, in seconds; an output it cuts is counted <c>time_budget</c>.</summary>
    public double TimeBudgetSeconds { get; init; } = 30;

    /// <summary>Greedy decoding (false) is the only mode the engine runs; sampling is refused, not approximated.</summary>
    public bool DoSample { get; init; }

    /// <summary>The sampling seed; only with <see cref="DoSample"/>.</summary>
    public long? Seed { get; init; }

    /// <summary>Every problem for <paramref name="task"/> (whose slice checks the template and the contract), each prefixed by its JSON path.</summary>
    public IReadOnlyList<string> Validate(Tasks.TaskType task, IReadOnlyList<string>? labels)
    {
        ArgumentNullException.ThrowIfNull(task);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ModelFolder) || ModelFolder.Contains('\\') || ModelFolder.Split('/').Any(s => s is "" or "." or ".."))
        {
            errors.Add($"generation.model_folder: '{ModelFolder}' is not a plain relative folder inside the bundle");
        }

        errors.AddRange(task.PromptTemplateProblems(PromptTemplate).Select(p => "generation.prompt_template: " + p));
        errors.AddRange(task.GenerationProblems(this, labels));
        if (MaxNewTokens is < 1 or > 4096)
        {
            errors.Add($"generation.max_new_tokens: {MaxNewTokens} is outside 1..4096");
        }

        if (!(TimeBudgetSeconds > 0 && TimeBudgetSeconds <= 3600))
        {
            errors.Add($"generation.time_budget_seconds: {TimeBudgetSeconds} is outside (0, 3600]");
        }

        if (DoSample)
        {
            errors.Add("generation.do_sample: sampling is not supported; the engine decodes greedily (set it false)");
        }

        if (Seed is not null && !DoSample)
        {
            errors.Add("generation.seed: a seed applies only to sampling (do_sample is false)");
        }

        return errors;
    }
}
