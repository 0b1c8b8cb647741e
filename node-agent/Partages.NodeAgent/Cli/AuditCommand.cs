using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Enrollment;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>audit verify --config FILE [--offline]</c>: checks the audit log's hash chain, its signed checkpoints, and that
/// it still reaches the coordinator's anchor. Exit 0 intact; 1 broken chain; 7 truncated; 8 rewritten
/// (<see cref="ExitCodes"/>, docs/node-agent.md).
/// </summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var audit = new Command("audit", "The node's hash-chained audit log (<data_directory>/audit/audit.jsonl).");
        var config = CommonOptions.Config();
        var offline = new Option<bool>("--offline")
        {
            Description = "Do not ask the coordinator for its anchor; compare with the last anchor saved (audit/anchor.json) only.",
        };
        var verify = new Command(
            "verify",
            "Checks every line and signed checkpoint of the audit log, and that it reaches the entry the coordinator last saw; names what was changed, removed, cut or rewritten.")
        {
            config,
            offline,
        };
        verify.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var node = CommonOptions.LoadOrReport(parseResult.GetRequiredValue(config), parseResult.InvocationConfiguration.Error);
            if (node is null)
            {
                return ExitCodes.InvalidConfiguration;
            }

            var (report, notes) = await VerifyAsync(node, parseResult.GetValue(offline), AuditAnchorLookup.DefaultTimeout, cancellationToken).ConfigureAwait(false);
            var path = AuditLog.PathFor(node);
            var chain = report.Chain;
            switch (report.Finding)
            {
                case AuditFinding.Broken:
                    output.WriteLine($"BROKEN: {path}: {report.Problems[0]}.");
                    output.WriteLine($"The {chain.LinesVerified} line(s) before it chain correctly (last good seq {chain.LastSeq}, hash {chain.LastHash}).");
                    break;
                case AuditFinding.Truncated or AuditFinding.Rewritten:
                    output.WriteLine($"{(report.Finding == AuditFinding.Truncated ? "TRUNCATED" : "REWRITTEN")}: {path}: {string.Join("; ", report.Problems)}.");
                    output.WriteLine($"The hash chain itself is consistent: {chain.LinesVerified} line(s), last seq {chain.LastSeq}, hash {chain.LastHash}.");
                    break;
                default:
                    output.WriteLine(chain.LinesVerified == 0
                        ? $"OK: {path} has no entry yet."
                        : $"OK: {path}: {chain.LinesVerified} line(s), chain intact, {report.CheckpointsVerified} signed checkpoint(s) verified; last seq {chain.LastSeq}, hash {chain.LastHash}.");
                    break;
            }

            foreach (var note in notes.Concat(report.Notes))
            {
                output.WriteLine($"  {note}");
            }

            return report.Finding switch
            {
                AuditFinding.Intact => ExitCodes.Ok,
                AuditFinding.Truncated => ExitCodes.AuditTruncated,
                AuditFinding.Rewritten => ExitCodes.AuditRewritten,
                _ => ExitCodes.Failure,
            };
        });
        audit.Subcommands.Add(verify);
        return audit;
    }

    /// <summary>The whole check, shared with <c>check</c>: identity (for the checkpoints), anchor, then the log.</summary>
    public static async Task<(AuditReport Report, IReadOnlyList<string> Notes)> VerifyAsync(NodeConfig node, bool offline, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var notes = new List<string>();
        NodeIdentity? identity = null;
        try
        {
            identity = NodeIdentity.Load(IdentityFiles.For(node));
        }
        catch (IdentityException ex)
        {
            notes.Add($"node identity not usable ({ex.Message})");
        }

        using (identity)
        {
            var lookup = await AuditAnchorLookup.ResolveAsync(node, identity, offline, timeout, cancellationToken).ConfigureAwait(false);
            notes.AddRange(lookup.Notes);
            var retired = identity is null ? [] : LoadRetiredCas(IdentityFiles.For(node), notes);
            try
            {
                var trust = identity is null
                    ? null
                    : new CheckpointTrust(identity.ClientCertificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), [.. identity.TrustedCas, .. retired]);
                var text = AuditChain.ReadFile(AuditLog.PathFor(node));
                return (AuditVerifier.Verify(text, trust, lookup.Anchor), notes);
            }
            finally
            {
                foreach (var ca in retired)
                {
                    ca.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// The CAs a CA rotation retired (kept by the agent itself, <see cref="TrustUpdate"/>): the checkpoints signed
    /// under them stay verifiable. An unreadable one is named and skipped, so its checkpoints fail rather than pass.
    /// </summary>
    private static List<X509Certificate2> LoadRetiredCas(IdentityFiles files, List<string> notes)
    {
        var cas = new List<X509Certificate2>();
        foreach (var path in files.RetiredCaCertificatePaths())
        {
            try
            {
                cas.Add(X509Certificate2.CreateFromPem(File.ReadAllText(path)));
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                notes.Add($"the retired CA certificate {path} is not readable ({ex.Message}): checkpoints signed under it cannot verify");
            }
        }

        return cas;
    }
}
