using System.Text.Json;
using System.Text.Json.Serialization;
using Partages.Evaluation.Specs;

// The one copy of the agent ↔ worker protocol, in the engine that both the agent and the worker reference, so the two
// sides cannot drift.
namespace Partages.NodeAgent.Engine.Isolation;

/// <summary>
/// The protocol, version <see cref="Version"/>. The agent writes ONE <see cref="WorkerRequest"/> as a JSON line on the
/// worker's stdin and keeps stdin open: the worker exits (<see cref="WorkerExitCodes.AgentGone"/>) as soon as stdin
/// closes, so a worker never outlives its agent. The worker answers with JSON lines on stdout, each a
/// <see cref="WorkerMessage"/>: <see cref="WorkerMessageTypes.Reading"/> once the model is loaded, then any number of
/// <see cref="WorkerMessageTypes.Inference"/> / <see cref="WorkerMessageTypes.InferenceDone"/> pairs (the documents under
/// inference, so the agent knows which batch a death was in and can enforce the per-batch time limit),
/// <see cref="WorkerMessageTypes.Checkpoint"/>s and <see cref="WorkerMessageTypes.Progress"/>; then exactly one outcome
/// (<see cref="WorkerMessageTypes.Result"/>, <see cref="WorkerMessageTypes.Refused"/>,
/// <see cref="WorkerMessageTypes.OutOfMemory"/> or <see cref="WorkerMessageTypes.Failed"/>), then it exits with the
/// matching <see cref="WorkerExitCodes"/>. A worker that dies instead is replaced by one that resumes after its last
/// checkpoint (<see cref="RunPlan"/>). Nothing on stdout ever holds report text; stderr is for diagnostics only.
/// </summary>
public static class WorkerProtocol
{
    public const int Version = 2;

    /// <summary>Longest request or message line either side accepts (a result with many labels is far smaller).</summary>
    public const int MaxLineChars = 4 * 1024 * 1024;

    /// <summary>Snake_case like the results JSON, but one object per line.</summary>
    public static JsonSerializerOptions Json { get; } = new(ResultJson.Options) { WriteIndented = false };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <exception cref="JsonException">The line is not a <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(string line)
        where T : class =>
        JsonSerializer.Deserialize<T>(line, Json) ?? throw new JsonException($"'null' is not a {typeof(T).Name}.");
}

/// <summary>One evaluation: what <see cref="EvaluationJob"/> holds, plus the engine's options.</summary>
public sealed record WorkerRequest
{
    public int Protocol { get; init; } = WorkerProtocol.Version;

    public required string BundlePath { get; init; }

    public required EvaluationSpec Spec { get; init; }

    public required DatasetDefinition Dataset { get; init; }

    public EvaluationEngineOptions EngineOptions { get; init; } = new();

    /// <summary>Which part of the run: all of it, or the rest after a dead worker's last checkpoint.</summary>
    public RunPlan Plan { get; init; } = RunPlan.Full;

    /// <summary><see cref="EvaluationJob.MaxEntitiesPerReport"/>: absent, no bound.</summary>
    public int? MaxEntitiesPerReport { get; init; }

    /// <summary><see cref="EvaluationJob.MaxWordsPerReport"/>: absent, no bound.</summary>
    public int? MaxWordsPerReport { get; init; }

    public static WorkerRequest From(EvaluationJob job, EvaluationEngineOptions options, RunPlan plan) => new()
    {
        BundlePath = job.BundlePath,
        Spec = job.Spec,
        Dataset = job.Dataset,
        EngineOptions = options,
        Plan = plan,
        MaxEntitiesPerReport = job.MaxEntitiesPerReport,
        MaxWordsPerReport = job.MaxWordsPerReport,
    };

    public EvaluationJob ToJob() => new(BundlePath, Spec, Dataset) { MaxEntitiesPerReport = MaxEntitiesPerReport, MaxWordsPerReport = MaxWordsPerReport };
}

public static class WorkerMessageTypes
{
    /// <summary><c>documents_done</c> of <c>documents_total</c>.</summary>
    public const string Progress = "progress";

    /// <summary>The model is loaded and reports are read from now on (<c>lines</c>: the dataset's line count). A death before it is no report's doing.</summary>
    public const string Reading = "reading";

    /// <summary>An inference call over documents <c>first_document</c> .. <c>last_document</c> starts.</summary>
    public const string Inference = "inference";

    /// <summary>The call returned (whether it worked is the engine's business: a failed call only fails its documents).</summary>
    public const string InferenceDone = "inference_done";

    /// <summary>Documents before <c>documents</c> and lines up to <c>lines</c> are in <c>result</c> (this worker's part of the run).</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>The run succeeded; <c>result</c> holds the aggregates (a <see cref="ResultDocument"/>).</summary>
    public const string Result = "result";

    /// <summary>The engine refused the job; <c>reason</c> is its <see cref="EvaluationRefusedException"/> message, safe to send.</summary>
    public const string Refused = "refused";

    /// <summary>An allocation failed inside the worker's memory limit (managed or in ONNX Runtime).</summary>
    public const string OutOfMemory = "out_of_memory";

    /// <summary>Any other error; <c>reason</c> names only the exception's type, the details are on stderr.</summary>
    public const string Failed = "failed";
}

/// <summary>One stdout line of the worker. Which fields are set depends on <see cref="Type"/>.</summary>
public sealed record WorkerMessage
{
    public required string Type { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DocumentsDone { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DocumentsTotal { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FirstDocument { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? LastDocument { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Lines { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Documents { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResultDocument? Result { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    [JsonIgnore]
    public bool IsOutcome => Type is WorkerMessageTypes.Result or WorkerMessageTypes.Refused or WorkerMessageTypes.OutOfMemory or WorkerMessageTypes.Failed;

    public static WorkerMessage ForProgress(EvaluationProgress progress) =>
        new() { Type = WorkerMessageTypes.Progress, DocumentsDone = progress.DocumentsDone, DocumentsTotal = progress.DocumentsTotal };

    public static WorkerMessage ForReading(long lines) => new() { Type = WorkerMessageTypes.Reading, Lines = lines };

    public static WorkerMessage ForInference(long firstDocument, long lastDocument) =>
        new() { Type = WorkerMessageTypes.Inference, FirstDocument = firstDocument, LastDocument = lastDocument };

    public static WorkerMessage ForInferenceDone() => new() { Type = WorkerMessageTypes.InferenceDone };

    public static WorkerMessage ForCheckpoint(SegmentCheckpoint checkpoint) =>
        new() { Type = WorkerMessageTypes.Checkpoint, Lines = checkpoint.Lines, Documents = checkpoint.Documents, Result = checkpoint.Result };

    public static WorkerMessage ForResult(ResultDocument result) => new() { Type = WorkerMessageTypes.Result, Result = result };

    public static WorkerMessage ForRefusal(string reason) => new() { Type = WorkerMessageTypes.Refused, Reason = reason };

    public static WorkerMessage ForOutOfMemory() => new() { Type = WorkerMessageTypes.OutOfMemory };

    public static WorkerMessage ForFailure(string exceptionType) => new() { Type = WorkerMessageTypes.Failed, Reason = exceptionType };
}

/// <summary>The worker's exit codes (docs/node-agent.md). A worker killed by a signal exits 128 + the signal's number.</summary>
public static class WorkerExitCodes
{
    /// <summary>A <see cref="WorkerMessageTypes.Result"/> was written.</summary>
    public const int Succeeded = 0;

    /// <summary>An unexpected error; a <see cref="WorkerMessageTypes.Failed"/> line was written if stdout still worked.</summary>
    public const int Failed = 1;

    /// <summary>The engine refused the job; a <see cref="WorkerMessageTypes.Refused"/> line was written.</summary>
    public const int Refused = 2;

    /// <summary>An allocation failed; a <see cref="WorkerMessageTypes.OutOfMemory"/> line was written if it still could be.</summary>
    public const int OutOfMemory = 3;

    /// <summary>stdin did not hold a request of this protocol version. Nothing was run.</summary>
    public const int BadRequest = 4;

    /// <summary>stdin closed before the outcome was written: the agent is gone, so the run is abandoned.</summary>
    public const int AgentGone = 5;
}
