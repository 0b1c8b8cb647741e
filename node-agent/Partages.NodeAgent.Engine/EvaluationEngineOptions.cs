using Partages.Evaluation;

namespace Partages.NodeAgent.Engine;

/// <summary>
/// How the engine spends the node's CPU and memory. Immutable; <see cref="Validate"/> lists every problem at once
/// and <see cref="EvaluationEngine"/> refuses options that have any.
/// </summary>
public sealed record EvaluationEngineOptions
{
    /// <summary>Documents per inference call. Larger batches amortise per-call overhead; 32 suits BERT-sized models on CPU.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Batches' worth of lines whose windows are sorted by length before they are cut into batches (issue 15): each
    /// batch is then padded only to its own longest window, so one long report no longer pads 31 short ones. The
    /// engine reads this many blocks of <see cref="BatchSize"/> lines ahead at most, so memory stays bounded; a report
    /// shares inference calls only with the reports of its block of <c>BatchSize × LengthGroupBatches</c> lines
    /// (docs/threat-model.md, "Timing"). 1 keeps the windows of a block of <see cref="BatchSize"/> lines together.
    /// </summary>
    public int LengthGroupBatches { get; init; } = 8;

    /// <summary>
    /// Batches in reading order, in blocks of <see cref="BatchSize"/> lines (the engine before issue 15). Internal: kept
    /// only so tests and measurements can compare length-aware batching with it.
    /// </summary>
    internal bool ReadingOrderBatches { get; init; }

    /// <summary>
    /// Changes applied to the classifier's ONNX Runtime session options after the engine's own (issue 15). Internal:
    /// only the session-options benchmark (`engine --session-options`) sets it, to measure one setting at a time
    /// against the defaults in <c>OnnxClassifier</c>.
    /// </summary>
    internal Action<Microsoft.ML.OnnxRuntime.SessionOptions>? SessionTuning { get; init; }

    /// <summary>Lines per chunk: the unit that is read ahead, sorted by length and committed at once.</summary>
    internal int LinesPerChunk => ReadingOrderBatches ? BatchSize : BatchSize * LengthGroupBatches;

    /// <summary>
    /// Threads inference uses. Hospital nodes are small shared servers, so the default is 2, not every core. For a graph
    /// with a free batch dimension each batch's rows are dealt into this many parts scored at once, one thread each
    /// (issue 15: no waits inside operators); otherwise they are ONNX Runtime's intra-op threads.
    /// </summary>
    public int IntraOpNumThreads { get; init; } = 2;

    /// <summary>
    /// Puts <see cref="IntraOpNumThreads"/> inside ONNX Runtime's operators for every graph, one call at a time (the
    /// engine before issue 15). Internal: kept only so tests and measurements can compare the two.
    /// </summary>
    internal bool ThreadsInsideOperators { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's idle threads busy-wait for the next call. Spinning saves microseconds per call but
    /// burns the core the reader/tokenizer needs to prepare the next batch, so it is off by default.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// Tasks tokenizing in parallel. WordPiece costs tens of microseconds per report: next to a small model it is
    /// the bottleneck, so two tokenizers keep a 2-core node busy; next to a BERT-sized model they mostly wait.
    /// </summary>
    public int TokenizerThreads { get; init; } = 2;

    /// <summary>Tokenized batches that may wait for inference: enough to hide reading hiccups, few enough to bound memory.</summary>
    public int PrefetchBatches { get; init; } = 4;

    /// <summary>A JSONL line longer than this is skipped as <c>line_too_long</c> instead of being buffered.</summary>
    public int MaxLineBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Longest one inference call may take, in seconds. A call past it is abandoned (ONNX Runtime's terminate flag)
    /// and its documents counted <c>inference_failed</c> after a retry one by one, so a report that makes the model
    /// slow costs at most this much and never fails the run. Not a policy setting: it bounds how much the time a
    /// result is released at can depend on one report (docs/threat-model.md, "Timing"). The default leaves a
    /// BERT-base batch of 32 windows of 512 tokens on 2 cores (about 10 s) ample room.
    /// </summary>
    public int BatchTimeoutSeconds { get; init; } = DefaultBatchTimeoutSeconds;

    public const int DefaultBatchTimeoutSeconds = 120;

    /// <summary><see cref="BatchTimeoutSeconds"/> as a duration.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan BatchTimeout => TimeSpan.FromSeconds(BatchTimeoutSeconds);

    /// <summary>Largest ONNX graph read from a bundle; the graph is held in memory while its session is built.</summary>
    public long MaxModelBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Largest vocabulary file read from a bundle.</summary>
    public long MaxVocabBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Largest manifest.json read from a bundle.</summary>
    public long MaxManifestBytes { get; init; } = 1024L * 1024;

    /// <summary>Every problem with these options, or none.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        OptionRange.Check(errors, nameof(BatchSize), BatchSize, 1, 4096);
        OptionRange.Check(errors, nameof(LengthGroupBatches), LengthGroupBatches, 1, 64);
        OptionRange.Check(errors, nameof(IntraOpNumThreads), IntraOpNumThreads, 1, 256);
        OptionRange.Check(errors, nameof(TokenizerThreads), TokenizerThreads, 1, 64);
        OptionRange.Check(errors, nameof(PrefetchBatches), PrefetchBatches, 1, 1024);
        OptionRange.Check(errors, nameof(BatchTimeoutSeconds), BatchTimeoutSeconds, 1, 86_400);
        OptionRange.Check(errors, nameof(MaxLineBytes), MaxLineBytes, 256, Array.MaxLength / 2);

        // Entries are read into byte arrays, so no limit may exceed what one array holds.
        CheckEntryLimit(errors, nameof(MaxModelBytes), MaxModelBytes);
        CheckEntryLimit(errors, nameof(MaxVocabBytes), MaxVocabBytes);
        CheckEntryLimit(errors, nameof(MaxManifestBytes), MaxManifestBytes);
        return errors;
    }

    private static void CheckEntryLimit(List<string> errors, string name, long value) => OptionRange.Check(errors, name, value, 1, Array.MaxLength);
}
