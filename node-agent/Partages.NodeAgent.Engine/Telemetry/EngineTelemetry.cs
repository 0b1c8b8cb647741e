using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Partages.NodeAgent.Engine.Telemetry;

/// <summary>
/// The engine's traces and metrics, under one name the host's OpenTelemetry setup subscribes to. Tags carry job
/// metadata and counts only (task, model, dataset name, skip kind), never a document's text or id.
/// </summary>
public static class EngineTelemetry
{
    public const string Name = "Partages.NodeAgent.Engine";

    internal static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> DocumentsEvaluated = Meter.CreateCounter<long>(
        "partages.engine.documents.evaluated", unit: "{document}", description: "Documents scored by the model.");

    internal static readonly Counter<long> DocumentsSkipped = Meter.CreateCounter<long>(
        "partages.engine.documents.skipped", unit: "{document}", description: "Dataset lines set aside, by kind.");

    /// <summary>
    /// brat notes (<c>AnnotationNotes</c>) and every problem of set-aside documents: node-local counts by kind,
    /// kept out of the released result so its skip counts keep their stated sensitivity (docs/release-gate.md).
    /// </summary>
    internal static readonly Counter<long> AnnotationNotes = Meter.CreateCounter<long>(
        "partages.engine.annotation.notes", unit: "{note}", description: "Adjustments to kept brat documents, by kind.");

    internal static readonly Counter<long> DocumentProblems = Meter.CreateCounter<long>(
        "partages.engine.documents.problems", unit: "{problem}", description: "Every problem of set-aside documents, each kind once per document.");

    internal static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>(
        "partages.engine.inference.batch.duration", unit: "s", description: "Time ONNX Runtime spent on one batch.");
}
