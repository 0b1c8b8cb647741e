using Partages.Evaluation.Tasks;

namespace Partages.NodeAgent.Engine.Tasks;

/// <summary>
/// The engine's side of a task slice (<see cref="TaskType"/> in the core library, which cannot reference ONNX
/// Runtime): how a job of that task runs. One subclass per task type, in <c>Tasks/&lt;Slice&gt;/</c> mirroring the core
/// slice's folder; <see cref="EngineTasks"/> finds them, so a new one needs no registration line of its own.
/// </summary>
internal abstract class EngineTask
{
    /// <summary>The core slice's wire name (<see cref="TaskType.Name"/>).</summary>
    public abstract string Name { get; }

    /// <summary>Runs <see cref="EngineRun.Job"/> (the part <see cref="EngineRun.Plan"/> asks for).</summary>
    /// <exception cref="EvaluationRefusedException">The job cannot run.</exception>
    public abstract Task<ResultDocument> RunAsync(EngineRun run);
}

/// <summary>
/// A document classification task: the shared pipeline (<see cref="EvaluationEngine"/>: tokenize, run the graph,
/// aggregate windows) with the task's gold annotation and scorer.
/// </summary>
internal abstract class ClassificationEngineTask : EngineTask
{
    /// <summary>The gold annotation the dataset's readers take for this task.</summary>
    public abstract GoldKind Gold { get; }

    /// <summary>A fresh scorer holding the task's sufficient statistics, in the spec's label order.</summary>
    public abstract TaskScorer CreateScorer(IReadOnlyList<string> labels, int[] manifestToSpec, ModelManifest manifest, IPredictionSink? predictions);

    public override Task<ResultDocument> RunAsync(EngineRun run) => run.Engine.ClassifyAsync(this, run);
}

/// <summary>One run of a job: which part (<see cref="RunPlan"/>), who watches it, where local mode's predictions go.</summary>
internal sealed record EngineRun(
    EvaluationEngine Engine,
    EvaluationEngineOptions Options,
    EvaluationJob Job,
    RunPlan Plan,
    IInferenceObserver? Observer,
    IPredictionSink? Predictions,
    IProgress<EvaluationProgress>? Progress,
    CancellationToken CancellationToken);

/// <summary>
/// The engine's side of every task it runs, by wire name: each concrete <see cref="EngineTask"/> of this assembly,
/// found once by reflection, so the registration line of a task type stays the one in <see cref="TaskRegistry"/>.
/// </summary>
internal static class EngineTasks
{
    private static readonly Dictionary<string, EngineTask> ByName = typeof(EngineTask).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(EngineTask)) && !t.IsAbstract)
        .Select(t => (EngineTask)Activator.CreateInstance(t)!)
        .ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>The task names this engine runs, in the registry's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. TaskRegistry.Names.Where(ByName.ContainsKey)];

    /// <exception cref="EvaluationRefusedException">This engine does not run <paramref name="task"/>.</exception>
    public static EngineTask Get(string task) => ByName.TryGetValue(task, out var engineTask)
        ? engineTask
        : throw new EvaluationRefusedException($"task '{task}' is not supported by this engine (supported: {string.Join(", ", Names)})");
}
