namespace Partages.Coordinator.Persistence;

/// <summary>
/// What a run's <see cref="RunEntity.Done"/> and <see cref="RunEntity.Total"/> count, stored with them because the
/// same run counts bundle bytes while downloading and documents while evaluating (Run.progress_unit in the API).
/// </summary>
public enum RunProgressUnit
{
    /// <summary>No progress stored yet, or a row written before the unit was stored.</summary>
    None = 0,
    Bytes = 1,
    Documents = 2,
}
