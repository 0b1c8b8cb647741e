using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Partages.Coordinator.Hosting;

/// <summary>The coordinator's own traces and metrics, next to ASP.NET Core's (wired in <see cref="TelemetryExtensions"/>).</summary>
public static class CoordinatorTelemetry
{
    public const string Name = "Partages.Coordinator";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> RunsFinished = Meter.CreateCounter<long>("partages.runs.finished", description: "Runs that reached a final state, by state.");

    public static readonly Counter<long> EvaluationsFinished = Meter.CreateCounter<long>("partages.evaluations.finished", description: "Evaluations that reached a final state, by state.");

    public static readonly Counter<long> ArtifactBytesServed = Meter.CreateCounter<long>("partages.artifacts.bytes_served", unit: "By", description: "Artifact bytes sent to nodes.");
}
