using Partages.Contracts.V1;
using Partages.Coordinator.Persistence;

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

    public static ProgressUnit ToProto(RunEntity run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Stored(run) switch
        {
            RunProgressUnit.Bytes => ProgressUnit.Bytes,
            RunProgressUnit.Documents => ProgressUnit.Documents,
            _ => ProgressUnit.Unspecified,
        };
    }

    /// <summary>The JSON API's name of a unit: "bytes", "documents", or "" when none.</summary>
    public static string Name(RunProgressUnit unit) => unit switch
    {
        RunProgressUnit.Bytes => "bytes",
        RunProgressUnit.Documents => "documents",
        _ => "",
    };

    /// <summary>
    /// The stored unit; for a row written before the unit was stored (an upgraded coordinator's open runs), the unit
    /// the run's state implies, which is right for every run that has not ended since.
    /// </summary>
    public static RunProgressUnit Stored(RunEntity run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ProgressUnit != RunProgressUnit.None || (run.Done == 0 && run.Total == 0))
        {
            return run.ProgressUnit;
        }

        return run.Status switch
        {
            RunStatus.Downloading => RunProgressUnit.Bytes,
            RunStatus.Running or RunStatus.Succeeded => RunProgressUnit.Documents,
            _ => RunProgressUnit.None,
        };
    }
}
