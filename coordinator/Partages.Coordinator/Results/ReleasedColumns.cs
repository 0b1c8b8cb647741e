using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Results;

/// <summary>
/// Fills <see cref="RunEntity.Released"/> for succeeded runs stored before the column existed (an upgraded data
/// directory): the intake fills it for every new result, so only those rows have a result and no figures.
/// </summary>
public static class ReleasedColumns
{
    public static async Task FillAsync(CoordinatorDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // A result with no readable documents_read stays null and is read again at the next start: only a row from a
        // coordinator that stored unchecked results can be like that, and there are at most a few.
        var stale = await db.Runs
            .Where(r => r.Status == RunStatus.Succeeded && r.ResultJson != "" && r.Released.DocumentsRead == null)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (stale.Count == 0)
        {
            return;
        }

        foreach (var run in stale)
        {
            run.Released = ReleasedFigures.Read(run.ResultJson);
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
