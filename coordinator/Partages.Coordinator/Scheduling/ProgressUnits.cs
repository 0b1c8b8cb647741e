namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The unit of a run's done/total: decided from the phase of the progress report that set them (so the pair and its
/// unit can never disagree), and shown as Run.progress_unit (gRPC) and progress_unit (JSON API).
/// </summary>
public static class ProgressUnits
{
    public static RunProgressUnit Of(JobPhase phase) => phase switch
    {
        JobPhase.Downloading => RunProgressUnit.Bytes,
        JobPhase.Running => RunProgressUnit.Documents,
        _ => RunProgressUnit.None,
    };

    /// <summary>The JSON API's name of a unit: "bytes", "documents", or "" when none.</summary>
    public static string Name(RunProgressUnit unit) => unit switch
    {
        RunProgressUnit.Bytes => "bytes",
        RunProgressUnit.Documents => "documents",
        _ => "",
    };
}
