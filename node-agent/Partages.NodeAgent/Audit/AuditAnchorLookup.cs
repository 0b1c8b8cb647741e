using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Enrollment;

namespace Partages.NodeAgent.Audit;

/// <summary>Where the anchor came from and what the operator should know about it (one line each).</summary>
public sealed record AnchorLookup(AnchorHead? Anchor, IReadOnlyList<string> Notes);

/// <summary>
/// Finds the anchor <c>audit verify</c> and <c>check</c> compare the log with: the coordinator's, asked over the
/// node's own mTLS identity (and saved for later), else the last one saved, when the coordinator cannot be reached.
/// </summary>
public static class AuditAnchorLookup
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <param name="identity">Null when the node is not enrolled: only the saved anchor can be used.</param>
    /// <param name="offline">Do not contact the coordinator (air-gapped checks, or a coordinator known to be down).</param>
    public static async Task<AnchorLookup> ResolveAsync(NodeConfig config, NodeIdentity? identity, bool offline, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var notes = new List<string>();
        if (offline)
        {
            notes.Add("the coordinator was not asked (--offline)");
        }
        else if (identity is null)
        {
            notes.Add("the coordinator was not asked: the node's identity is not usable");
        }
        else
        {
            var options = AgentOptions.FromConfig(config);
            options.ConnectTimeout = timeout;
            using var channel = new CoordinatorChannel(config, identity, Options.Create(options), NullLogger<CoordinatorChannel>.Instance);
            try
            {
                var anchor = await channel.GetAuditAnchorAsync(timeout, cancellationToken).ConfigureAwait(false);
                if (anchor.Warning.Length > 0)
                {
                    notes.Add($"the coordinator refused a head from this node on {anchor.WarningAt?.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture)}: {anchor.Warning}");
                }

                if (anchor.Head is { } head)
                {
                    AuditAnchorFile.Save(config.AuditDirectory, anchor, DateTimeOffset.UtcNow);
                    var recorded = anchor.RecordedAt?.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) ?? "?";
                    notes.Add($"anchor from the coordinator at {config.CoordinatorUrl} (recorded {recorded})");
                    return new AnchorLookup(new AnchorHead(head.Sequence, head.EntrySha256, "the coordinator"), notes);
                }

                notes.Add("the coordinator holds no anchor for this node yet");
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                notes.Add($"the coordinator at {config.CoordinatorUrl} could not be asked ({ex.StatusCode}: {RpcErrors.Describe(ex)})");
            }
            catch (IOException ex)
            {
                notes.Add($"the coordinator's anchor could not be saved ({ex.Message})");
            }
        }

        var saved = AuditAnchorFile.Load(config.AuditDirectory, out var problem);
        if (problem is not null)
        {
            notes.Add(problem);
        }

        if (saved is null)
        {
            return new AnchorLookup(null, notes);
        }

        var received = saved.ReceivedAt.ToString("u", CultureInfo.InvariantCulture);
        notes.Add($"using the last anchor received from the coordinator ({AuditAnchorFile.FileName}, received {received})");
        return new AnchorLookup(new AnchorHead(saved.Sequence, saved.EntrySha256, $"the coordinator (as of {received})"), notes);
    }
}
