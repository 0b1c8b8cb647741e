using Microsoft.ML.OnnxRuntime;

namespace Partages.NodeAgent.Engine.Inference;

/// <summary>
/// One ONNX Runtime session for one job: checked against the manifest when created, then scoring batches into
/// logits (in the manifest's label order). <see cref="Score"/> may run on several threads at once (ONNX Runtime's Run is
/// thread-safe, and nothing here changes after creation): <see cref="BatchInference"/> does so, <see cref="ConcurrentCalls"/> at a time.
/// </summary>
internal sealed class OnnxClassifier : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _classes;

    private OnnxClassifier(InferenceSession session, ModelManifest manifest, GraphShape shape, int concurrentCalls)
    {
        _session = session;
        ConcurrentCalls = concurrentCalls;
        Shape = shape;
        _inputNames = [.. GraphContract.ManifestInputNames(manifest)];
        _outputNames = [manifest.Outputs.Logits];
        _classes = manifest.Labels.Count;
    }

    public GraphShape Shape { get; }

    /// <summary>
    /// Calls to <see cref="Score"/> meant to run at once, each on one thread: <see cref="EvaluationEngineOptions.IntraOpNumThreads"/>
    /// when the session was built with one intra-op thread for parallelism across rows (issue 15), else 1 (ONNX
    /// Runtime's threads work inside each operator).
    /// </summary>
    public int ConcurrentCalls { get; }

    /// <exception cref="EvaluationRefusedException">The graph cannot be loaded or does not match the manifest.</exception>
    public static OnnxClassifier Create(byte[] model, ModelManifest manifest, EvaluationEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        // Before ONNX Runtime parses anything: a graph needing a custom-operator library is refused, not loaded.
        OperatorDomains.Check(model, manifest.Model);
        var acrossRows = !options.ThreadsInsideOperators && options.IntraOpNumThreads > 1;
        var session = CreateSession(model, manifest, options, acrossRows ? 1 : options.IntraOpNumThreads);
        try
        {
            var shape = GraphContract.Check(manifest, session.InputMetadata, session.OutputMetadata);
            if (acrossRows && shape.FixedBatchSize is not null)
            {
                // A fixed batch dimension cannot take a part of a batch (parts would be padded back to the full size,
                // the work multiplied): such a graph gets its threads inside operators. Rare enough to pay a second
                // session build for rather than read the graph's dimensions before ONNX Runtime does.
                session.Dispose();
                session = CreateSession(model, manifest, options, options.IntraOpNumThreads);
                return new OnnxClassifier(session, manifest, shape, 1);
            }

            return new OnnxClassifier(session, manifest, shape, acrossRows ? options.IntraOpNumThreads : 1);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static InferenceSession CreateSession(byte[] model, ModelManifest manifest, EvaluationEngineOptions options, int intraOpThreads)
    {
        using var sessionOptions = CreateSessionOptions(options, intraOpThreads);
        try
        {
            return new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new EvaluationRefusedException($"{manifest.Model} cannot be loaded by ONNX Runtime {OnnxRuntimeInfo.Version}: {ex.Message}", ex);
        }
    }

    public int Classes => _classes;

    /// <summary>Scores a batch; <paramref name="logits"/> receives <see cref="Classes"/> logits per real row, row after row.</summary>
    public void Score(TokenBatch batch, Span<float> logits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        long[] shape = [batch.TensorRows, batch.SequenceLength];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var attentionMask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var tokenTypeIds = batch.TokenTypeIds is null ? null : OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        OrtValue[] inputs = tokenTypeIds is null ? [inputIds, attentionMask] : [inputIds, attentionMask, tokenTypeIds];

        var outputs = OnnxRun.Run(_session, _inputNames, inputs, _outputNames, $"a batch of {batch.Rows} documents", cancellationToken);
        using (outputs)
        {
            var output = outputs[0];
            var outputShape = output.GetTensorTypeAndShape().Shape;
            if (outputShape.Length != 2 || outputShape[0] != batch.TensorRows || outputShape[1] != _classes)
            {
                throw new EvaluationRefusedException(
                    $"graph output '{_outputNames[0]}' has shape [{string.Join(", ", outputShape)}] for a batch of {batch.TensorRows}; expected [{batch.TensorRows}, {_classes}]");
            }

            output.GetTensorDataAsSpan<float>()[..(batch.Rows * _classes)].CopyTo(logits);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
    }

    /// <remarks>
    /// Every setting here was measured one at a time against the others (`engine --session-options`, issue 15,
    /// docs/benchmarks-length-batching.md, "ONNX Runtime session options"): 300 mixed-length reports, three rotating
    /// rounds, CPU per report paired with the default run of the same round. Optimisation level BASIC cost 1.21× the
    /// CPU; EXTENDED was within noise (0.92–1.15×); memory patterns on added ~240 MiB of peak; the CPU arena off cost
    /// 1.5× the CPU and ~200 MiB; spinning on cost 1.2× the CPU; pinning ONNX Runtime's worker thread saved 1–4 % CPU,
    /// within noise, but slowed the wall clock (0.92×) on a shared machine, where a pinned thread cannot move off a busy core.
    /// Not set either: <c>session.dynamic_block_base</c> = 4 measured 1.049× and 1.002× the CPU on 300 long reports
    /// (two paired rounds). Profiled with perf (same page, "The long-report gap profiled"), the calling thread's wait
    /// for the non-spinning worker at the end of each parallel section is ~4.5 % of the CPU with 2 threads: the price
    /// of not spinning, kept on purpose.
    /// </remarks>
    private static SessionOptions CreateSessionOptions(EvaluationEngineOptions options, int intraOpThreads)
    {
        var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            // One graph, one request at a time: parallel branches would only compete with the reader for the same cores.
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // ALL (ONNX Runtime's own default): BASIC measured 1.21× the CPU per report; EXTENDED no better beyond noise.
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Length-aware batching gives nearly every batch its own [rows, length] shape. With memory patterns on, ONNX
            // Runtime plans one block per shape and keeps it in its arena: measured on all-MiniLM-L6-v2 (issue 15,
            // docs/benchmarks.md) the peak resident set fell by 133 MiB (1,000 reports) and 240 MiB (300 reports, the
            // session-options run) without it, at the same CPU time (1.03× with it on).
            EnableMemoryPattern = false,
            // The CPU arena stays on (the default): without it each batch's activations are allocated and freed
            // through malloc, measured 1.5× the CPU per report and a higher peak (about +200 MiB).
            EnableCpuMemArena = true,
            // Warnings (unused initializers, fallbacks) are about the graph, not actionable by hospital IT; errors still surface as exceptions.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // Off by default (EvaluationEngineOptions.AllowSpinning): measured 1.2× the CPU per report with it on. No thread
        // affinity: a node shares its server, and a pinned thread cannot leave a core another process is using.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        options.SessionTuning?.Invoke(sessionOptions);
        return sessionOptions;
    }
}
