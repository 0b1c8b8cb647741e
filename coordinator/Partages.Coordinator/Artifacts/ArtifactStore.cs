using Microsoft.Extensions.Options;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.Artifacts;

/// <summary>
/// Content-addressed files: <c>&lt;data-dir&gt;/artifacts/sha256/&lt;hash&gt;</c>, written under
/// <c>artifacts/tmp/</c> first and moved into place only once their size and SHA-256 are verified.
/// Metadata (size, media type, uploader) is in the database.
/// </summary>
public sealed class ArtifactStore(IDbContextFactory<CoordinatorDbContext> dbFactory, IOptions<CoordinatorOptions> options)
{
    private readonly string _root = Path.Combine(options.Value.DataDir, "artifacts");

    public string PathOf(string sha256) => Path.Combine(_root, "sha256", sha256);

    /// <summary>A new temp file path for an upload in progress (same volume as the store, so the final move is atomic).</summary>
    public string NewTempPath()
    {
        var temp = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(temp);
        return Path.Combine(temp, Guid.NewGuid().ToString("N") + ".part");
    }

    public async Task<ArtifactEntity?> FindAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var artifact = await db.Artifacts.AsNoTracking().SingleOrDefaultAsync(a => a.Sha256 == sha256, cancellationToken).ConfigureAwait(false);
        return artifact is not null && File.Exists(PathOf(sha256)) ? artifact : null;
    }

    /// <summary>
    /// Whether <paramref name="nodeName"/> holds a run (offered to it and not final) of an evaluation of this bundle:
    /// the only bundles a node may download.
    /// </summary>
    public async Task<bool> IsOfferedToAsync(string sha256, string nodeName, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Runs.AsNoTracking().AnyAsync(
            r => r.NodeName == nodeName && RunLifecycle.AtNode.Contains(r.Status) && r.Evaluation!.ModelBundleSha256 == sha256,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves a verified temp file into the store and records it; keeps the existing copy if it is already there.</summary>
    public async Task<ArtifactEntity> CommitAsync(string tempPath, ArtifactEntity artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var target = PathOf(artifact.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target))
        {
            File.Delete(tempPath);
        }
        else
        {
            try
            {
                File.Move(tempPath, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                // A concurrent upload of the same bytes won the race; its copy is identical.
                File.Delete(tempPath);
            }
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var existing = await db.Artifacts.SingleOrDefaultAsync(a => a.Sha256 == artifact.Sha256, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing;
        }

        db.Artifacts.Add(artifact);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Recorded concurrently by an identical upload.
            db.ChangeTracker.Clear();
            return await db.Artifacts.AsNoTracking().SingleAsync(a => a.Sha256 == artifact.Sha256, cancellationToken).ConfigureAwait(false);
        }

        return artifact;
    }
}
