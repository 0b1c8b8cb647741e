using Microsoft.ML.OnnxRuntime;

namespace Partages.Benchmarks.Engine.Measurement;

/// <summary>
/// The ONNX Runtime settings issue 15 asks to decide by measurement, each one change from the engine's defaults
/// (<c>OnnxClassifier.CreateSessionOptions</c>), applied through <c>EvaluationEngineOptions.SessionTuning</c>.
/// </summary>
internal static class SessionVariants
{
    public const string Default = "default";

    /// <summary>
    /// Not a session setting: the engine before issue 15's parallelism across rows, its threads inside ONNX Runtime's
    /// operators (<c>EvaluationEngineOptions.ThreadsInsideOperators</c>, applied by <see cref="EngineSide.Options"/>).
    /// </summary>
    public const string InsideOperators = "threads inside operators";

    /// <summary>Name → the one change; <see cref="Default"/> changes nothing.</summary>
    public static readonly IReadOnlyDictionary<string, Action<SessionOptions>?> All = new Dictionary<string, Action<SessionOptions>?>(StringComparer.Ordinal)
    {
        [Default] = null,
        [InsideOperators] = null,
        ["optimisation basic"] = o => o.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
        ["optimisation extended"] = o => o.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        ["memory pattern on"] = o => o.EnableMemoryPattern = true,
        ["cpu arena off"] = o => o.EnableCpuMemArena = false,
        ["spinning on"] = o => o.AddSessionConfigEntry("session.intra_op.allow_spinning", "1"),
        // Logical processors are numbered from 1 and ONNX Runtime pins only its own threads (intra-op threads - 1 of
        // them; the calling thread stays free): with 2 threads, its one worker goes to the second processor.
        ["affinity pinned"] = o => o.AddSessionConfigEntry("session.intra_op_thread_affinities", "2"),
        // Smaller work blocks handed out as threads come free, so a worker that wakes late or is preempted holds up
        // the calling thread's wait at the end of each parallel section less (ONNX Runtime's "dynamic block base").
        ["dynamic block base 4"] = o => o.AddSessionConfigEntry("session.dynamic_block_base", "4"),
    };

    /// <exception cref="ArgumentException"><paramref name="name"/> is not a variant.</exception>
    public static Action<SessionOptions>? Get(string name) =>
        All.TryGetValue(name, out var change) ? change : throw new ArgumentException($"'{name}' is not one of: {string.Join(", ", All.Keys)}", nameof(name));
}
