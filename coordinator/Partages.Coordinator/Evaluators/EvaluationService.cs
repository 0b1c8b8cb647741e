using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Partages.Coordinator.Artifacts;
using Partages.Coordinator.Auth;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.ReadModel;
using Partages.Coordinator.Scheduling;
using Partages.Evaluation;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Specs;

namespace Partages.Coordinator.Evaluators;

/// <summary>
/// The evaluator plane: upload bundles, submit and cancel evaluations, read and watch them, list nodes.
/// Callers present an API token (<see cref="ApiTokenAuthenticationHandler"/>); every method needs at least the viewer
/// policy, writing ones the evaluator policy (<see cref="CoordinatorPolicies"/>), and <see cref="EvaluationAccess"/>
/// decides whose evaluations a caller sees and may cancel. Invalid requests are refused with
/// INVALID_ARGUMENT and a field violation per problem (<see cref="InvalidArgument"/>); docs/api.md lists the codes.
/// </summary>
[Authorize(Policy = CoordinatorPolicies.Viewer)]
[GrpcRefusal("An API token is required: send 'authorization: Bearer <token>'.")]
public sealed class EvaluationService(
    ArtifactTransfer artifacts,
    ArtifactStore store,
    RunScheduler scheduler,
    CoordinatorReadModel readModel,
    LiveEvaluations live,
    ApiTokenWatch tokens,
    IHostApplicationLifetime lifetime) : Partages.Contracts.V1.EvaluationService.EvaluationServiceBase
{
    [Authorize(Policy = CoordinatorPolicies.Evaluator)]
    public override async Task<ArtifactRef> UploadArtifact(IAsyncStreamReader<UploadArtifactRequest> requestStream, ServerCallContext context)
    {
        var caller = EvaluatorIdentity.Of(context);
        return await artifacts.UploadAsync(requestStream, caller.Name, context.CancellationToken).ConfigureAwait(false);
    }

    [Authorize(Policy = CoordinatorPolicies.Evaluator)]
    public override async Task<Contracts.V1.Evaluation> SubmitEvaluation(SubmitEvaluationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = EvaluatorIdentity.Of(context);
        var ct = context.CancellationToken;
        var parsed = SpecParser.Parse(request.SpecYaml);
        if (!parsed.IsValid)
        {
            throw InvalidArgument.Spec(parsed);
        }

        var spec = parsed.Spec!;
        var task = Partages.Evaluation.Tasks.TaskRegistry.Get(spec.Task);
        // A task that may take a bundle (dataset QC reads its tokenizer) and was given one holds it to a model's rules.
        var (bundle, signature) = task.UsesModel || (task.ModelOptional && request.ModelBundleSha256.Trim().Length > 0)
            ? await ModelBundleAsync(request, ct).ConfigureAwait(false)
            : ModelFree(request, spec.Task);

        // The request's own list is held to the spec's rule (count, names), so neither way of naming nodes is unchecked.
        if (NodeNames.ProblemWithTargets(request.Nodes) is { } nodesProblem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "nodes " + nodesProblem + "."));
        }

        var enrolled = await readModel.EnrolledNodeNamesAsync(ct).ConfigureAwait(false);
        var explicitNodes = request.Nodes.Count > 0 ? request.Nodes.ToList() : [.. spec.Nodes];
        var targets = (explicitNodes.Count > 0 ? explicitNodes : enrolled).Distinct(StringComparer.Ordinal).ToList();
        var unknown = targets.Where(n => !enrolled.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            // "nodes" is both the request's field and the spec's key, whichever the list came from.
            throw InvalidArgument.Of(
                $"Unknown or revoked node(s): {string.Join(", ", unknown)}. Enrolled: {(enrolled.Count == 0 ? "none" : string.Join(", ", enrolled))}.",
                unknown.Select(n => ("nodes", $"'{n}' is not an enrolled node (or it was revoked)")));
        }

        if (targets.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "No node is enrolled; there is nowhere to run this evaluation."));
        }

        if (spec.MinSites > targets.Count)
        {
            throw InvalidArgument.Field(
                "min_sites", $"is {spec.MinSites} but only {targets.Count} node(s) are targeted", $"min_sites is {spec.MinSites} but only {targets.Count} node(s) are targeted.");
        }

        var id = await scheduler.SubmitAsync(new NewEvaluation(spec, request.SpecYaml, bundle, targets, caller.Name, signature), ct).ConfigureAwait(false);
        return (await readModel.EvaluationAsync(caller, id, ct).ConfigureAwait(false))?.ToProto()
            ?? throw new RpcException(new Status(StatusCode.Internal, "The evaluation vanished after its creation."));
    }

    /// <summary>The bundle a model task runs: named, well formed, uploaded; and its signature's shape.</summary>
    private async Task<(string Bundle, BundleSignature? Signature)> ModelBundleAsync(SubmitEvaluationRequest request, CancellationToken ct)
    {
        var bundle = request.ModelBundleSha256.Trim().ToLowerInvariant();
        InvalidArgument.ThrowIfEmpty(bundle, "model_bundle_sha256");
        if (!ContentHash.IsWellFormed(bundle))
        {
            throw InvalidArgument.Field("model_bundle_sha256", "must be 64 hex digits", "model_bundle_sha256 must be 64 hex digits.");
        }

        if (await store.FindAsync(bundle, ct).ConfigureAwait(false) is null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Model bundle {bundle} has not been uploaded; call UploadArtifact first."));
        }

        return (bundle, SignatureOrNull(request.ModelSignature));
    }

    /// <summary>
    /// A task that runs no model (dataset QC) is submitted without a bundle: its evaluation stores an empty hash and its
    /// offers name none (docs/data-quality.md, "Model-free tasks"). A bundle or signature sent anyway is refused rather
    /// than ignored, so an evaluator never believes a model was checked.
    /// </summary>
    private static (string Bundle, BundleSignature? Signature) ModelFree(SubmitEvaluationRequest request, string task)
    {
        if (request.ModelBundleSha256.Trim().Length > 0 || SignatureOrNull(request.ModelSignature) is not null)
        {
            throw InvalidArgument.Field(
                "model_bundle_sha256", $"must be empty: task '{task}' runs no model", $"Task '{task}' runs no model: submit it without model_bundle_sha256 or model_signature.");
        }

        return ("", null);
    }

    /// <summary>
    /// A signature's shape is checked here so a typo fails at submission, not at every node; whether it is valid and
    /// whose key it is, only the nodes decide (the coordinator holds no signer keys and trusts none).
    /// </summary>
    private static BundleSignature? SignatureOrNull(BundleSignature? signature)
    {
        if (signature is null || (signature.Signature.IsEmpty && signature.KeyId.Length == 0 && signature.Algorithm.Length == 0))
        {
            return null;
        }

        var errors = new List<(string Field, string Description)>();
        if (signature.Algorithm != BundleSigning.Algorithm)
        {
            errors.Add(("model_signature.algorithm", $"must be '{BundleSigning.Algorithm}'"));
        }

        if (!ContentHash.IsWellFormed(signature.KeyId))
        {
            errors.Add(("model_signature.key_id", "must be 64 lowercase hex digits (SHA-256 of the signer's SubjectPublicKeyInfo)"));
        }

        if (signature.Signature.Length != 64)
        {
            errors.Add(("model_signature.signature", "must be 64 bytes (IEEE P1363 r||s)"));
        }

        return errors.Count == 0
            ? signature
            : throw InvalidArgument.Of(
                "model_signature is malformed: " + string.Join("; ", errors.Select(e => $"{e.Field["model_signature.".Length..]} {e.Description}")) + ".", errors);
    }

    public override async Task<Contracts.V1.Evaluation> GetEvaluation(GetEvaluationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = EvaluatorIdentity.Of(context);
        InvalidArgument.ThrowIfEmpty(request.EvaluationId, "evaluation_id");
        return await GetVisibleAsync(caller, request.EvaluationId, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<ListEvaluationsResponse> ListEvaluations(ListEvaluationsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = EvaluatorIdentity.Of(context);
        var pageSize = PageTokens.PageSize(request.PageSize, request.Limit, PageTokens.DefaultEvaluationPageSize, PageTokens.MaxEvaluationPageSize);
        var after = PageTokens.ParseEvaluation(request.PageToken);
        var (page, next) = await readModel.FullEvaluationsPageAsync(caller, null, pageSize, after, context.CancellationToken).ConfigureAwait(false);
        var response = new ListEvaluationsResponse { NextPageToken = next is null ? "" : PageTokens.ForEvaluation(next) };
        response.Evaluations.AddRange(page.Select(ProtoViews.ToProto));
        return response;
    }

    public override async Task WatchEvaluation(GetEvaluationRequest request, IServerStreamWriter<Contracts.V1.Evaluation> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        var caller = EvaluatorIdentity.Of(context);
        InvalidArgument.ThrowIfEmpty(request.EvaluationId, "evaluation_id");
        var ct = context.CancellationToken;
        // Ends normally when the coordinator stops (StreamShutdown): a client that sees the stream end before the
        // evaluation is final reads it again and watches anew, from this coordinator once restarted or another one.
        // Ends UNAUTHENTICATED when the caller's token is revoked or replaced meanwhile (ApiTokenWatch).
        using var watch = tokens.Start(caller, ct, lifetime.ApplicationStopping);
        try
        {
            // Every message comes from the evaluation's state in memory (LiveEvaluations), brought up to date by reading
            // only the runs each change touched; with changes_only, only those runs are sent.
            using var follower = await live.FollowAsync(caller, request.EvaluationId, ct).ConfigureAwait(false)
                ?? throw EvaluationAccess.NotFound(request.EvaluationId);
            await foreach (var (view, isChange) in follower.MessagesAsync(request.ChangesOnly, watch.Ended).ConfigureAwait(false))
            {
                var message = view.ToProto();
                message.IsChange = isChange;
                await responseStream.WriteAsync(message, ct).ConfigureAwait(false);
            }
        }
        catch (LiveStateUnavailableException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }

        if (watch.Revoked)
        {
            throw ApiTokenWatch.Watch.RevokedError();
        }
    }

    [Authorize(Policy = CoordinatorPolicies.Evaluator)]
    public override async Task<Contracts.V1.Evaluation> CancelEvaluation(CancelEvaluationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = EvaluatorIdentity.Of(context);
        InvalidArgument.ThrowIfEmpty(request.EvaluationId, "evaluation_id");
        var ct = context.CancellationToken;
        var evaluation = await GetVisibleAsync(caller, request.EvaluationId, ct).ConfigureAwait(false);
        if (!EvaluationAccess.CanCancel(caller, evaluation.Owner))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"Evaluation '{evaluation.Id}' belongs to '{evaluation.Owner}'; only its owner or an admin may cancel it."));
        }

        await scheduler.CancelAsync(request.EvaluationId, caller.Name, request.Reason, ct).ConfigureAwait(false);
        return await GetVisibleAsync(caller, request.EvaluationId, ct).ConfigureAwait(false);
    }

    public override async Task<ListNodesResponse> ListNodes(ListNodesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pageSize = PageTokens.PageSize(request.PageSize, 0, PageTokens.DefaultNodePageSize, PageTokens.MaxNodePageSize);
        var after = PageTokens.ParseNode(request.PageToken);
        var (page, nextAfter) = await readModel.NodesPageAsync(pageSize, after, context.CancellationToken).ConfigureAwait(false);
        var response = new ListNodesResponse { NextPageToken = nextAfter is null ? "" : PageTokens.ForNode(nextAfter) };
        response.Nodes.AddRange(page.Select(ProtoViews.ToProto));
        return response;
    }

    /// <summary>The evaluation, or NOT_FOUND when it does not exist or the caller may not see it (the same answer for both).</summary>
    private async Task<Contracts.V1.Evaluation> GetVisibleAsync(EvaluatorIdentity caller, string evaluationId, CancellationToken cancellationToken)
    {
        return (await readModel.EvaluationAsync(caller, evaluationId, cancellationToken).ConfigureAwait(false))?.ToProto()
            ?? throw EvaluationAccess.NotFound(evaluationId);
    }
}
