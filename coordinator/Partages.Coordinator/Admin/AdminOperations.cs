using Partages.Contracts;
using Partages.Coordinator.Pki;
using Partages.Evaluation;

namespace Partages.Coordinator.Admin;

public sealed record EnrollmentTokenIssued(string Node, string Token, string CaSha256, DateTimeOffset ExpiresAt, bool CaCreated);

public sealed record ApiTokenIssued(string Name, ApiRole Role, string Token, bool Replaced);

public sealed record NodeRevoked(string Node, string CertificateSha256, bool AlreadyRevoked);

/// <summary>
/// What the admin commands do, directly on the data dir (the server may be running: the database is in WAL mode).
/// Secrets are printed once and stored only as SHA-256 hashes.
/// </summary>
public static class AdminOperations
{
    public static async Task<EnrollmentTokenIssued> CreateEnrollmentTokenAsync(
        string dataDir, string node, TimeSpan ttl, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!NodeNames.IsValid(node))
        {
            throw new AdminException($"--node '{TerminalText.Escape(node)}' is not a valid node name: {NodeNames.Rule}.");
        }

        using var ca = CertificateAuthority.LoadOrCreate(dataDir, time, out var created);
        await using var db = await OpenAsync(dataDir, cancellationToken).ConfigureAwait(false);
        var token = SecretTokens.New(SecretTokens.EnrollmentPrefix);
        var now = time.GetUtcNow();
        db.EnrollmentTokens.Add(new EnrollmentTokenEntity
        {
            TokenSha256 = SecretTokens.Hash(token),
            NodeName = node,
            CreatedAt = now,
            ExpiresAt = now + ttl,
        });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return new EnrollmentTokenIssued(node, token, ca.Pin, now + ttl, created);
    }

    /// <summary>Issues the API token of <paramref name="name"/>; a name that already has one gets a new token (the old one stops working).</summary>
    public static async Task<ApiTokenIssued> CreateApiTokenAsync(
        string dataDir, string name, ApiRole role, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!ApiTokenNames.IsValid(name))
        {
            throw new AdminException($"--name '{name}' is not a valid token name: {ApiTokenNames.Rule}.");
        }

        await using var db = await OpenAsync(dataDir, cancellationToken).ConfigureAwait(false);
        var token = SecretTokens.New(SecretTokens.ApiPrefix);
        var existing = await db.ApiTokens.SingleOrDefaultAsync(t => t.Name == name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            db.ApiTokens.Add(new ApiTokenEntity { Name = name, Role = role, TokenSha256 = SecretTokens.Hash(token), CreatedAt = time.GetUtcNow() });
        }
        else
        {
            existing.Role = role;
            existing.TokenSha256 = SecretTokens.Hash(token);
            existing.CreatedAt = time.GetUtcNow();
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return new ApiTokenIssued(name, role, token, existing is not null);
    }

    /// <summary>Deletes the API token of <paramref name="name"/>: calls with it are refused and its open streams close within seconds.</summary>
    public static async Task RevokeApiTokenAsync(string dataDir, string name, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(dataDir, cancellationToken).ConfigureAwait(false);
        var entity = await db.ApiTokens.SingleOrDefaultAsync(t => t.Name == name, cancellationToken).ConfigureAwait(false)
            ?? throw new AdminException($"No API token is named '{TerminalText.Escape(name)}'.");
        db.ApiTokens.Remove(entity);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<NodeRevoked> RevokeNodeAsync(string dataDir, string node, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        await using var db = await OpenAsync(dataDir, cancellationToken).ConfigureAwait(false);
        var entity = await db.Nodes.SingleOrDefaultAsync(n => n.Name == node, cancellationToken).ConfigureAwait(false)
            ?? throw new AdminException($"No enrolled node is named '{TerminalText.Escape(node)}'.");
        var already = entity.Revoked;
        if (!already)
        {
            entity.Revoked = true;
            entity.RevokedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return new NodeRevoked(node, entity.CertificateSha256, already);
    }

    internal static async Task<CoordinatorDbContext> OpenAsync(string dataDir, CancellationToken cancellationToken)
    {
        var settings = AdminDatabase.Settings(dataDir);
        DataDirectory.Secure(dataDir, createDatabaseFile: settings.Provider == DatabaseProvider.Sqlite);
        var db = CoordinatorDatabase.Create(settings);
        await CoordinatorDatabase.InitializeAsync(db, cancellationToken).ConfigureAwait(false);
        return db;
    }
}
