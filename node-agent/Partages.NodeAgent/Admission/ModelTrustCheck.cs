using Partages.Evaluation;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.Admission;

/// <summary>
/// The check between a bundle's download and its loading: the file on disk still has the offered SHA-256, and the
/// node policy trusts it (<see cref="BundleTrust"/>: pinned, or validly signed over this very hash by a trusted
/// signer). A refusal is an <see cref="EvaluationRefusedException"/> whose message is the reason sent to the
/// coordinator; it is also written to the audit log (event <c>model_refused</c>, with the bundle's SHA-256 and the
/// reason). The bundle's content is not parsed here, in the agent: its graph is inspected for custom operators
/// (<c>OperatorDomains</c>) by the engine, in the inference worker, before ONNX Runtime is given it.
/// </summary>
public sealed partial class ModelTrustCheck(IAuditLog audit, NodePolicy policy, ILogger<ModelTrustCheck> logger)
{
    /// <summary>The audit event of a bundle this check refused.</summary>
    public const string RefusedEvent = "model_refused";

    /// <returns>Why the bundle is trusted: its pin, or its signer.</returns>
    /// <exception cref="EvaluationRefusedException">The bundle may not run; the message says why.</exception>
    public async Task<TrustedBundle> CheckAsync(string runId, JobOffer offer, string bundlePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(bundlePath);
        var expected = offer.ModelBundle?.Sha256 ?? "";

        // Hashed again here rather than trusting the download's check: what is verified is the file about to be loaded.
        var actual = await ContentHash.OfFileAsync(bundlePath, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            Refuse(runId, expected, $"model bundle on disk has SHA-256 {actual}, not the offered {expected}: it changed after download");
        }

        var decision = BundleTrust.Decide(actual, offer.ModelSignature, policy.Models);
        if (decision.Trusted is null)
        {
            Refuse(runId, actual, decision.RefusalReason ?? "model bundle not trusted");
        }

        LogTrusted(logger, runId, actual, decision.Trusted.Describe());
        return decision.Trusted;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Refuse(string runId, string bundleSha256, string reason)
    {
        // Flushed before the coordinator hears of it, as every decision of the node.
        audit.Append(new AuditEntry(RefusedEvent) { RunId = runId, Decision = "refused", By = "policy", BundleSha256 = bundleSha256, Reason = reason });
        LogRefused(logger, runId, reason);
        throw new EvaluationRefusedException(reason);
    }

    [LoggerMessage(EventId = 420, Level = LogLevel.Information, Message = "Run {RunId}: model bundle {Sha256} trusted: {How}")]
    private static partial void LogTrusted(ILogger logger, string runId, string sha256, string how);

    [LoggerMessage(EventId = 421, Level = LogLevel.Warning, Message = "Run {RunId}: model bundle refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string runId, string reason);
}
