using Partages.Evaluation;
using Partages.Evaluation.Specs;

namespace Partages.NodeAgent.Admission;

/// <summary>An offer this node can run, or the reason it will not (sent to the evaluator; never report text).</summary>
public sealed record OfferDecision(EvaluationSpec? Spec, DatasetDefinition? Dataset, string? RejectionReason)
{
    public bool Accepted => RejectionReason is null;
}

/// <summary>Decides, before any download, whether a job offer is acceptable on this node.</summary>
public static class OfferCheck
{
    public static OfferDecision Decide(JobOffer offer, NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(config);
        var dataset = config.FindDataset(offer.Dataset);
        if (dataset is null)
        {
            return Reject($"dataset '{offer.Dataset}' is not exposed by this node");
        }

        var parsed = SpecParser.Parse(offer.SpecYaml);
        if (!parsed.IsValid || parsed.Spec is null)
        {
            return Reject("the evaluation spec is invalid: " + string.Join("; ", parsed.Errors));
        }

        var actual = ContentHash.Of(offer.SpecYaml);
        if (!string.Equals(actual, offer.SpecSha256, StringComparison.Ordinal))
        {
            return Reject($"the spec's SHA-256 is {actual}, not the announced {offer.SpecSha256}");
        }

        if (!string.Equals(parsed.Spec.Dataset, offer.Dataset, StringComparison.Ordinal))
        {
            return Reject($"the spec asks for dataset '{parsed.Spec.Dataset}' but the offer names '{offer.Dataset}'");
        }

        var task = Partages.Evaluation.Tasks.TaskRegistry.Get(parsed.Spec.Task);
        var namesBundle = offer.ModelBundle is { Sha256.Length: > 0 } || offer.ModelSignature is { KeyId.Length: > 0 };
        if (!task.UsesModel && !(task.ModelOptional && namesBundle))
        {
            // A task that reads the dataset only: the offer must name no bundle, so none is downloaded, trusted or loaded.
            if (namesBundle)
            {
                return Reject($"task '{parsed.Spec.Task}' runs no model, but the offer names a model bundle or signature");
            }

            offer.ModelBundle ??= new ArtifactRef();
        }
        else if (offer.ModelBundle is null || !ContentHash.IsWellFormed(offer.ModelBundle.Sha256) || offer.ModelBundle.SizeBytes <= 0)
        {
            // A bundle offered to a task that may take one (dataset QC's tokenizer) is held to the same rule as a model's.
            return Reject("the offer names no valid model bundle (sha256 and size)");
        }

        return new OfferDecision(parsed.Spec, dataset, null);
    }

    private static OfferDecision Reject(string reason) => new(null, null, reason);
}
