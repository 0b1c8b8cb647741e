using Microsoft.ML.OnnxRuntime;

namespace Partages.NodeAgent.Engine.Generation;

/// <summary>How a generation ended. Only <see cref="EndOfText"/> is the model's own choice; the others are counted
/// outcomes of the limits, never failures.</summary>
public enum GenerationOutcome
{
    EndOfText,
    TokenBudget,
    TimeBudget,
    ContextFull,

    /// <summary>The output constraint allowed no token (the vocabulary cannot spell what must come next).</summary>
    ConstraintDeadEnd,
}

/// <summary>
/// Restricts greedy decoding to tokens that keep the output acceptable (<see cref="Tasks.GenerativeExtraction.ContractConstraint"/>):
/// the decoder takes the highest-scoring allowed token, and stops with <see cref="GenerationOutcome.EndOfText"/> as
/// soon as the output is complete.
/// </summary>
public interface ITokenConstraint
{
    bool Allows(int token);

    void Accept(int token);

    bool IsComplete { get; }

    /// <summary>Tokens that must come next whatever the model prefers (a literal of the output's layout), already accepted; empty when the model chooses.</summary>
    IReadOnlyList<int> TakeForced();
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
/// The engine's own greedy loop over a GenAI model folder's decoder graph, on ONNX Runtime directly: the prompt in
/// one call, then one call per token, each layer's present key/value fed back as the next past. It reads the same
/// genai_config.json as GenAI, so the two loops can be compared token for token and in tokens per second.
/// </summary>
public sealed class GreedyDecoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <param name="options">The session's options; null: <see cref="CreateOptions"/>'s defaults.</param>
    public GreedyDecoder(string modelDirectory, SessionOptions? options = null)
    {
        Config = GenAiModelConfig.Read(modelDirectory);
        if (options is null)
        {
            using var defaults = CreateOptions();
            _session = new InferenceSession(Config.ModelPath, defaults);
        }
        else
        {
            _session = new InferenceSession(Config.ModelPath, options);
        }

        var layers = Enumerable.Range(0, Config.Layers).ToArray();
        _inputNames = [Config.InputIds, Config.AttentionMask,
            .. layers.Select(l => GenAiModelConfig.ForLayer(Config.PastKey, l)),
            .. layers.Select(l => GenAiModelConfig.ForLayer(Config.PastValue, l))];
        _outputNames = [Config.Logits,
            .. layers.Select(l => GenAiModelConfig.ForLayer(Config.PresentKey, l)),
            .. layers.Select(l => GenAiModelConfig.ForLayer(Config.PresentValue, l))];
        var missing = _inputNames.Except(_session.InputMetadata.Keys).Concat(_outputNames.Except(_session.OutputMetadata.Keys)).ToList();
        if (missing.Count > 0)
        {
            _session.Dispose();
            throw new InvalidDataException($"{Config.ModelPath} lacks what {GenAiModelConfig.FileName} names: {string.Join(", ", missing)}.");
        }
    }

    public GenAiModelConfig Config { get; }

    /// <summary>
    /// ONNX Runtime's defaults without the memory pattern. Every decoder call of a generation has a new input shape
    /// (the past grows by one, prompts differ in length), and ONNX Runtime keeps the pattern it plans for each shape
    /// for the session's life: over thousands of reports that cache alone raised the peak by megabytes before the
    /// shapes ran out (docs/benchmarks.md, "Generation loop").
    /// </summary>
    /// <param name="intraOpThreads">0: ONNX Runtime's default.</param>
    public static SessionOptions CreateOptions(int intraOpThreads = 0)
    {
        var options = new SessionOptions { EnableMemoryPattern = false };
        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
        }

        return options;
    }

    /// <summary>The logits' last dimension as the graph declares it; 0 when symbolic.</summary>
    public int LogitsWidth => _session.OutputMetadata[Config.Logits].Dimensions is { Length: > 0 } d && d[^1] > 0 ? d[^1] : 0;

    /// <summary>Greedy generation from <paramref name="prompt"/> until end of text or a limit.</summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime failed.</exception>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationLimits limits, TimeProvider time, CancellationToken cancellationToken, ITokenConstraint? constraint = null)
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

        var started = time.GetUtcNow();
        var generated = new List<int>();
        var pending = prompt.Select(t => (long)t).ToArray();
        if (constraint is not null && Forced(constraint, generated, ref pending, limits) is { } early)
        {
            return early;
        }

        var total = 0;
        IDisposableReadOnlyCollection<OrtValue>? previous = null;
        try
        {
            while (true)
            {
                if (total + pending.Length > Config.ContextLength)
                {
                    return new GenerationResult(generated, GenerationOutcome.ContextFull);
                }

                var outputs = Step(pending, total, previous, cancellationToken);
                previous?.Dispose();
                previous = outputs;
                total += pending.Length;
                var next = constraint is null ? ArgMaxOfLastRow(outputs.First()) : BestAllowed(outputs.First(), constraint);
                if (next < 0)
                {
                    return new GenerationResult(generated, GenerationOutcome.ConstraintDeadEnd);
                }

                if (Config.EndOfTextIds.Contains(next))
                {
                    return new GenerationResult(generated, GenerationOutcome.EndOfText);
                }

                generated.Add(next);
                if (constraint is not null)
                {
                    constraint.Accept(next);
                    if (constraint.IsComplete)
                    {
                        // Once complete, only end of text may follow: end now rather than run the model for it.
                        return new GenerationResult(generated, GenerationOutcome.EndOfText);
                    }
                }

                if (generated.Count >= limits.MaxNewTokens)
                {
                    return new GenerationResult(generated, GenerationOutcome.TokenBudget);
                }

                if (time.GetUtcNow() - started >= limits.TimeBudget)
                {
                    return new GenerationResult(generated, GenerationOutcome.TimeBudget);
                }

                pending = [next];
                if (constraint is not null && Forced(constraint, generated, ref pending, limits) is { } ended)
                {
                    return ended;
                }
            }
        }
        finally
        {
            previous?.Dispose();
        }
    }

    /// <summary>One decoder call: the pending tokens, a mask over every token so far, and the last call's caches (empty at first).</summary>
    private IDisposableReadOnlyCollection<OrtValue> Step(long[] pending, int past, IDisposableReadOnlyCollection<OrtValue>? previous, CancellationToken cancellationToken)
    {
        var inputs = new List<OrtValue>(_inputNames.Length);
        try
        {
            inputs.Add(OrtValue.CreateTensorValueFromMemory(pending, [1, pending.Length]));
            var mask = new long[past + pending.Length];
            Array.Fill(mask, 1L);
            inputs.Add(OrtValue.CreateTensorValueFromMemory(mask, [1, mask.Length]));
            if (previous is null)
            {
                long[] empty = [1, Config.KeyValueHeads, 0, Config.HeadSize];
                for (var i = 0; i < 2 * Config.Layers; i++)
                {
                    inputs.Add(OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), empty));
                }

                return OnnxRun.Run(_session, _inputNames, inputs, _outputNames, "a generation step", cancellationToken);
            }

            // The present outputs (after logits) are the next call's past inputs, in the same key-then-value order.
            var caches = previous.Skip(1).ToList();
            return OnnxRun.Run(_session, _inputNames, [.. inputs, .. caches], _outputNames, "a generation step", cancellationToken);
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    private static int ArgMaxOfLastRow(OrtValue logits)
    {
        var shape = logits.GetTensorTypeAndShape().Shape;
        var vocabulary = (int)shape[^1];
        var all = logits.GetTensorDataAsSpan<float>();
        var row = all[^vocabulary..];
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Appends the constraint's forced tokens to what the next call reads and to the output (fast-forward: one call
    /// reads them all); a result when they complete the output or use up the token budget.
    /// </summary>
    private static GenerationResult? Forced(ITokenConstraint constraint, List<int> generated, ref long[] pending, GenerationLimits limits)
    {
        var forced = constraint.TakeForced();
        if (forced.Count == 0)
        {
            return null;
        }

        var room = limits.MaxNewTokens - generated.Count;
        var taken = forced.Take(room).ToList();
        generated.AddRange(taken);
        pending = [.. pending, .. taken.Select(t => (long)t)];
        if (taken.Count == forced.Count && constraint.IsComplete)
        {
            return new GenerationResult(generated, GenerationOutcome.EndOfText);
        }

        return generated.Count >= limits.MaxNewTokens ? new GenerationResult(generated, GenerationOutcome.TokenBudget) : null;
    }

    /// <summary>The highest-scoring token the constraint allows (ties to the lower id, as argmax); -1 when none is.</summary>
    private int BestAllowed(OrtValue logits, ITokenConstraint constraint)
    {
        var shape = logits.GetTensorTypeAndShape().Shape;
        var vocabulary = (int)shape[^1];
        var row = logits.GetTensorDataAsSpan<float>()[^vocabulary..];
        var order = new int[vocabulary];
        var scores = row.ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            scores[i] = -scores[i];
        }

        // Stable on ids for equal scores: sort by (−score, id).
        Array.Sort(scores, order);
        var start = 0;
        while (start < order.Length)
        {
            var end = start + 1;
            while (end < order.Length && scores[end] == scores[start])
            {
                end++;
            }

            Array.Sort(order, start, end - start);
            for (var i = start; i < end; i++)
            {
                if (Config.EndOfTextIds.Contains(order[i]) ? constraint.IsComplete : constraint.Allows(order[i]))
                {
                    return order[i];
                }
            }

            start = end;
        }

        return -1;
    }

    public void Dispose() => _session.Dispose();
}
