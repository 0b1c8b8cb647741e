using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Results;

/// <summary>
/// Fills <see cref="RunEntity.Released"/> for succeeded runs stored before the column existed (an upgraded data
/// directory): the intake fills it for every new result, so only those rows have a result and no figures.
/// </summary>
public static class ReleasedColumns
{
    private const int PageSize = 200;

    public static async Task FillAsync(CoordinatorDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // A result with no readable documents_read stays null and is read again at the next start: only a row from a
        // coordinator that stored unchecked results can be like that, and there are at most a few.
        // In pages, each saved and let go, so the first start on a large upgraded data directory does not hold every
        // old result in memory at once. A page ordered by id after the last one: rows left null do not come back.
        var after = "";
        while (true)
        {
            var page = await db.Runs
                .Where(r => r.Status == RunStatus.Succeeded && r.ResultJson != "" && r.Released.DocumentsRead == null && string.Compare(r.Id, after) > 0)
                .OrderBy(r => r.Id).Take(PageSize)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return;
            }

            foreach (var run in page)
            {
                run.Released = ReleasedFigures.Read(run.ResultJson);
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            db.ChangeTracker.Clear();
            after = page[^1].Id;
        }
    }
}
