using System.Globalization;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Partages.NodeAgent.Engine.Generation;

/// <summary>How a generation ended. Only <see cref="EndOfText"/> is the model's (or the complete answer's) end; the others are counted
/// outcomes of the limits, never failures.</summary>
public enum GenerationOutcome
{
    EndOfText,
    TokenBudget,
    TimeBudget,
    ContextFull,
}

/// <summary>The limits of one generation: new tokens, and wall-clock time measured on the given clock.</summary>
public sealed record GenerationLimits(int MaxNewTokens, TimeSpan TimeBudget)
{
    /// <summary>Lists every invalid limit, for options validated at start.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxNewTokens <= 0)
        {
            errors.Add($"MaxNewTokens must be positive (was {MaxNewTokens}).");
        }

        if (TimeBudget <= TimeSpan.Zero)
        {
            errors.Add($"TimeBudget must be positive (was {TimeBudget}).");
        }

        return errors;
    }
}

/// <summary>The generated tokens (end of text not included, as ONNX Runtime GenAI does) and why generation stopped.</summary>
public sealed record GenerationResult(IReadOnlyList<int> Tokens, GenerationOutcome Outcome);

/// <summary>
/// What constrains one generation: the guidance ONNX Runtime GenAI enforces (llguidance: <c>regex</c>,
/// <c>json_schema</c> or <c>lark_grammar</c>), and a check told each new token that says when the answer is complete —
/// the loop stops there rather than run the model once more for the end of text the guidance would force.
/// </summary>
public sealed record GuidedOutput(string GuidanceType, string Guidance, Func<int, bool> AcceptIsComplete)
{
    public const string Regex = "regex";
}

/// <summary>
/// Greedy generation through ONNX Runtime GenAI: its <see cref="Model"/> loaded from the model folder (with the node's
/// intra-op thread count laid over <c>genai_config.json</c>), a <see cref="Generator"/> per prompt with
/// <c>max_length</c> = prompt + token budget (never past the context) and the output's guidance. The loop around
/// <see cref="Generator.GenerateNextToken"/> is the engine's: it counts the token budget, the time budget and a full
/// context as outcomes (never fatal), stops as soon as the answer is complete, and honours cancellation between tokens.
/// </summary>
public sealed class GuidedGenerator : IDisposable
{
    private readonly Model _model;

    /// <param name="intraOpThreads">ONNX Runtime's intra-op threads for the decoder; 0: GenAI's default.</param>
    /// <exception cref="InvalidDataException"><c>genai_config.json</c> is missing or malformed (the field named).</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime GenAI refused the model folder.</exception>
    public GuidedGenerator(string modelDirectory, int intraOpThreads = 0)
    {
        Config = GenAiModelConfig.Read(modelDirectory);
        try
        {
            using var config = new Config(modelDirectory);
            config.Overlay(SessionOverlay(intraOpThreads));
            _model = new Model(config);
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            throw new InvalidOperationException($"ONNX Runtime GenAI cannot load '{modelDirectory}': {ex.Message}", ex);
        }
    }

    public GenAiModelConfig Config { get; }

    /// <summary>
    /// The decoder session's options laid over the folder's own: the node's thread count, and no memory pattern — every
    /// decoder call of a generation has a new input shape, and ONNX Runtime keeps the pattern it plans for each shape
    /// for the session's life, which raised the peak over thousands of reports (docs/benchmarks-generation.md).
    /// </summary>
    public static string SessionOverlay(int intraOpThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        var threads = intraOpThreads > 0 ? $"\"intra_op_num_threads\": {intraOpThreads.ToString(CultureInfo.InvariantCulture)}, " : "";
        return "{\"model\": {\"decoder\": {\"session_options\": {" + threads + "\"enable_mem_pattern\": false}}}}";
    }

    /// <summary>Checks that ONNX Runtime GenAI accepts <paramref name="output"/>'s guidance (a generator is made, nothing generated).</summary>
    /// <exception cref="InvalidOperationException">The guidance is refused (the native library's reason).</exception>
    public void CheckGuidance(GuidedOutput output, int promptTokens)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            using var parameters = Parameters(Math.Max(1, Math.Min(promptTokens + 1, Config.ContextLength)), output);
            using var generator = new Generator(_model, parameters);
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    /// <summary>Greedy generation from <paramref name="prompt"/> until end of text, a complete answer or a limit.</summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime GenAI failed.</exception>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationLimits limits, TimeProvider time, CancellationToken cancellationToken, GuidedOutput? output = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(time);
        if (limits.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(limits));
        }

        if (prompt.Count == 0)
        {
            throw new ArgumentException("The prompt has no token.", nameof(prompt));
        }

        var generated = new List<int>();
        if (prompt.Count >= Config.ContextLength)
        {
            return new GenerationResult(generated, GenerationOutcome.ContextFull);
        }

        var started = time.GetUtcNow();
        var maxLength = Math.Min(prompt.Count + limits.MaxNewTokens, Config.ContextLength);
        try
        {
            using var parameters = Parameters(maxLength, output);
            using var generator = new Generator(_model, parameters);
            generator.AppendTokens(prompt is int[] ids ? ids : [.. prompt]);
            var seen = prompt.Count;
            while (!generator.IsDone())
            {
                cancellationToken.ThrowIfCancellationRequested();
                generator.GenerateNextToken();
                var sequence = generator.GetSequence(0);
                foreach (var token in sequence[seen..])
                {
                    if (Config.EndOfTextIds.Contains(token))
                    {
                        return new GenerationResult(generated, GenerationOutcome.EndOfText);
                    }

                    generated.Add(token);
                    if (output is not null && output.AcceptIsComplete(token))
                    {
                        return new GenerationResult(generated, GenerationOutcome.EndOfText);
                    }
                }

                seen = sequence.Length;
                if (generated.Count >= limits.MaxNewTokens)
                {
                    return new GenerationResult(generated, GenerationOutcome.TokenBudget);
                }

                if (seen >= Config.ContextLength)
                {
                    return new GenerationResult(generated, GenerationOutcome.ContextFull);
                }

                if (time.GetUtcNow() - started >= limits.TimeBudget)
                {
                    return new GenerationResult(generated, GenerationOutcome.TimeBudget);
                }
            }

            // GenAI ended the sequence itself: an end-of-text token it does not keep in the sequence (0.20.0 drops it).
            return new GenerationResult(generated, GenerationOutcome.EndOfText);
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            throw new InvalidOperationException("ONNX Runtime GenAI failed on a generation: " + ex.Message, ex);
        }
    }

    private GeneratorParams Parameters(int maxLength, GuidedOutput? output)
    {
        var parameters = new GeneratorParams(_model);
        try
        {
            parameters.SetSearchOption("max_length", maxLength);
            parameters.SetSearchOption("do_sample", false);
            if (output is not null)
            {
                parameters.SetGuidance(output.GuidanceType, output.Guidance);
            }

            return parameters;
        }
        catch
        {
            parameters.Dispose();
            throw;
        }
    }

    public void Dispose() => _model.Dispose();
}
