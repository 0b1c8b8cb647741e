using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Partages.Coordinator.Pki;
using Partages.Evaluation;

namespace Partages.Coordinator.Admin;

/// <summary>Where a CA rotation stands, and the nodes whose certificate is not yet from the new CA.</summary>
public sealed record CaRotationState(string Stage, string CurrentPin, string? NextPin, IReadOnlyList<string> NodesNotMoved);

/// <summary>
/// Replacing the coordinator's CA without re-enrolling any node, one operator command per step (docs/coordinator.md,
/// "Rotating the CA"); each takes effect when the coordinator (every replica) is restarted:
/// <list type="number">
/// <item><c>start</c>: a new CA beside the old, and a cross-certificate of it by the old one. Nodes learn it in their
/// next Welcome (over a session the old CA authenticates), check the cross-certificate, and trust both.</item>
/// <item><c>issue-new</c>: renewals are signed by the new CA; every node renews at once when it sees that.</item>
/// <item><c>retire</c>: once every non-revoked node holds a certificate from the new CA, the new CA replaces the old
/// (kept under pki/retired/), and the server certificate is issued again under it at the next start.</item>
/// </list>
/// Every step is a row of the certificate audit.
/// </summary>
public static class CaRotation
{
    public const string Idle = "none";
    public const string Started = "started";
    public const string Issuing = "issuing-new";

    public static async Task<CaRotationState> StartAsync(string dataDir, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var current = CertificateAuthority.LoadOrCreate(dataDir, time, out _);
        var paths = current.Paths;
        if (File.Exists(paths.NextCaPfx))
        {
            throw new AdminException($"A CA rotation is already under way (new CA {PinOf(paths.NextCaCrt)}); see 'admin ca-rotation status'.");
        }

        var now = time.GetUtcNow();
        using var next = CertificateAuthority.CreateCa($"CN=Partages coordinator CA {now.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}", now);
        using var cross = CertificateAuthority.CrossCertify(current.Certificate, next);
        // The cross-certificate and the certificate first: a pfx without them is not a rotation (CertificateAuthority).
        File.WriteAllText(paths.NextCaCrossCrt, cross.ExportCertificatePem() + "\n");
        File.WriteAllText(paths.NextCaCrt, next.ExportCertificatePem() + "\n");
        CertificateAuthority.WritePrivateFile(paths.NextCaPfx, next.Export(X509ContentType.Pkcs12));
        var pin = ContentHash.Of(next.RawData);
        await RecordAsync(dataDir, CertificateEvents.CaAddedKind, pin, $"new CA beside {current.Pin}, cross-certified by it", now, cancellationToken).ConfigureAwait(false);
        return await StatusAsync(dataDir, time, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<CaRotationState> IssueNewAsync(string dataDir, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var paths = PkiPaths.Under(dataDir);
        if (!File.Exists(paths.NextCaPfx))
        {
            throw new AdminException("No CA rotation is under way: run 'admin ca-rotation start' first.");
        }

        await File.WriteAllTextAsync(paths.NextCaIssuingMarker, time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) + "\n", cancellationToken).ConfigureAwait(false);
        await RecordAsync(dataDir, CertificateEvents.CaIssuingKind, PinOf(paths.NextCaCrt), "node certificates are now issued by the new CA", time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await StatusAsync(dataDir, time, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<CaRotationState> RetireAsync(string dataDir, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var state = await StatusAsync(dataDir, time, cancellationToken).ConfigureAwait(false);
        if (state.Stage != Issuing)
        {
            throw new AdminException(state.Stage == Idle
                ? "No CA rotation is under way: nothing to retire."
                : "The new CA does not issue certificates yet: run 'admin ca-rotation issue-new' (and restart the coordinator) first.");
        }

        if (state.NodesNotMoved.Count > 0)
        {
            throw new AdminException(
                $"{state.NodesNotMoved.Count} node(s) still hold a certificate from the old CA: {string.Join(", ", state.NodesNotMoved)}. " +
                "They renew when they next connect; retiring now would lock them out (revoke a node that will not come back).");
        }

        var paths = PkiPaths.Under(dataDir);
        Directory.CreateDirectory(paths.RetiredDirectory);
        var retired = Path.Combine(paths.RetiredDirectory, "ca-" + state.CurrentPin[..16]);
        File.Move(paths.CaPfx, retired + ".pfx", overwrite: true);
        File.Move(paths.CaCrt, retired + ".crt", overwrite: true);
        // From here the new CA is the CA; the order keeps a crash recoverable by hand (ca.pfx missing: move ca-next.pfx).
        File.Move(paths.NextCaPfx, paths.CaPfx);
        File.Move(paths.NextCaCrt, paths.CaCrt);
        File.Delete(paths.NextCaCrossCrt);
        File.Delete(paths.NextCaIssuingMarker);
        // Issued again under the new CA at the next start (CertificateAuthority.LoadOrCreateServerCertificate).
        File.Delete(paths.ServerPfx);
        await RecordAsync(dataDir, CertificateEvents.CaRetiredKind, state.CurrentPin, $"retired; the CA is now {state.NextPin}", time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await StatusAsync(dataDir, time, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<CaRotationState> StatusAsync(string dataDir, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var paths = PkiPaths.Under(dataDir);
        using var current = CertificateAuthority.LoadOrCreate(dataDir, time, out _);
        if (!File.Exists(paths.NextCaPfx))
        {
            return new CaRotationState(Idle, current.Pin, null, []);
        }

        var nextPin = PinOf(paths.NextCaCrt);
        await using var db = await AdminOperations.OpenAsync(dataDir, cancellationToken).ConfigureAwait(false);
        var notMoved = await db.Nodes.AsNoTracking().Where(n => !n.Revoked && n.CertificateIssuerSha256 != nextPin)
            .OrderBy(n => n.Name).Select(n => n.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new CaRotationState(File.Exists(paths.NextCaIssuingMarker) ? Issuing : Started, current.Pin, nextPin, notMoved);
    }

    private static string PinOf(string certificatePath)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
        return ContentHash.Of(certificate.RawData);
    }

    private static async Task RecordAsync(string dataDir, string kind, string pin, string detail, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var db = await AdminOperations.OpenAsync(dataDir, cancellationToken).ConfigureAwait(false);
        db.CertificateEvents.Add(CertificateEvents.Ca(kind, pin, detail, at));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
