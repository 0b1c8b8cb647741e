using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.Contracts.V1;
using EvaluationView = Partages.Contracts.V1.Evaluation;
using Partages.Evaluation;

namespace Partages.Client;

/// <summary>The evaluator's side of the API: push a bundle, submit a spec, follow it to the end, read, cancel, list.</summary>
public sealed class EvaluatorClient(GrpcChannel channel)
{
    public const string BundleMediaType = "application/vnd.partages.model-bundle+zip";

    private const int UploadChunkBytes = 256 * 1024;

    private readonly EvaluationService.EvaluationServiceClient _client = new(channel);

    public EvaluationService.EvaluationServiceClient Raw => _client;

    /// <summary>Streams a model bundle into the coordinator's content-addressed store; returns its reference.</summary>
    public async Task<ArtifactRef> UploadBundleAsync(string bundlePath, CancellationToken cancellationToken = default)
    {
        var sha256 = await ContentHash.OfFileAsync(bundlePath, cancellationToken).ConfigureAwait(false);
        var size = new FileInfo(bundlePath).Length;
        using var call = _client.UploadArtifact(cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new UploadArtifactRequest
            {
                Header = new ArtifactRef { Sha256 = sha256, SizeBytes = size, MediaType = BundleMediaType },
            }, cancellationToken).ConfigureAwait(false);

            await using var file = File.OpenRead(bundlePath);
            var buffer = new byte[UploadChunkBytes];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await call.RequestStream.WriteAsync(new UploadArtifactRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            // The server may refuse (e.g. PERMISSION_DENIED) before reading everything: its status is in the response.
        }
        catch (InvalidOperationException) when (!cancellationToken.IsCancellationRequested)
        {
            // Writing after the server completed the call: as above, the response carries the reason.
        }

        return await call.ResponseAsync.ConfigureAwait(false);
    }

    public async Task<EvaluationView> SubmitAsync(
        string specYaml,
        string bundleSha256,
        IEnumerable<string>? nodes = null,
        BundleSignature? signature = null,
        CancellationToken cancellationToken = default)
    {
        var request = new SubmitEvaluationRequest { SpecYaml = specYaml, ModelBundleSha256 = bundleSha256, ModelSignature = signature };
        request.Nodes.AddRange(nodes ?? []);
        return await _client.SubmitEvaluationAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<EvaluationView> GetAsync(string evaluationId, CancellationToken cancellationToken = default) =>
        await _client.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluationId }, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The newest <paramref name="limit"/> evaluations the token may see (every one when <paramref name="limit"/> is
    /// 0), following the coordinator's pages of at most <paramref name="pageSize"/> (it serves at most
    /// <see cref="MaxPageSize"/> at a time).
    /// </summary>
    public async Task<IReadOnlyList<EvaluationView>> ListAsync(int limit = 0, int pageSize = MaxPageSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var evaluations = new List<EvaluationView>();
        var request = new ListEvaluationsRequest();
        do
        {
            request.PageSize = limit == 0 ? pageSize : Math.Min(pageSize, limit - evaluations.Count);
            var page = await _client.ListEvaluationsAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            evaluations.AddRange(page.Evaluations);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0 && (limit == 0 || evaluations.Count < limit));

        return evaluations;
    }

    /// <summary>The most evaluations the coordinator serves in one page (ListEvaluationsRequest.page_size, docs/api.md).</summary>
    public const int MaxPageSize = 500;

    public async Task<EvaluationView> CancelAsync(string evaluationId, string reason = "", CancellationToken cancellationToken = default) =>
        await _client.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluationId, Reason = reason }, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Every enrolled node, by name, following the coordinator's pages (<paramref name="pageSize"/> 0: its default).</summary>
    public async Task<IReadOnlyList<Node>> ListNodesAsync(int pageSize = 0, CancellationToken cancellationToken = default)
    {
        var nodes = new List<Node>();
        var request = new ListNodesRequest { PageSize = pageSize };
        do
        {
            var page = await _client.ListNodesAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            nodes.AddRange(page.Nodes);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return nodes;
    }

    public Task<IReadOnlyList<Node>> ListNodesAsync(CancellationToken cancellationToken) => ListNodesAsync(0, cancellationToken);

    /// <summary>Follows an evaluation, calling <paramref name="onUpdate"/> on every snapshot; returns the final one.</summary>
    public async Task<EvaluationView> WatchUntilFinalAsync(string evaluationId, Action<EvaluationView>? onUpdate = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // The whole evaluation first, then only what changed (applied here), so following 1,000 nodes costs the
            // coordinator and the network what changed, not the whole evaluation after every change.
            using (var call = _client.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluationId, ChangesOnly = true }, cancellationToken: cancellationToken))
            {
                EvaluationView? snapshot = null;
                await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    snapshot = EvaluationChanges.Apply(snapshot, message);
                    onUpdate?.Invoke(snapshot);
                    if (IsFinal(snapshot.State))
                    {
                        return snapshot;
                    }
                }
            }

            // The stream ended early (e.g. the server is shutting down): the stored state is authoritative.
            var last = await GetAsync(evaluationId, cancellationToken).ConfigureAwait(false);
            if (IsFinal(last.State))
            {
                onUpdate?.Invoke(last);
                return last;
            }
        }
    }

    public static bool IsFinal(EvaluationState state) =>
        state is EvaluationState.Completed or EvaluationState.Failed or EvaluationState.Cancelled;

    public static bool IsFinal(RunState state) =>
        state is RunState.Succeeded or RunState.Failed or RunState.Cancelled or RunState.Rejected or RunState.NotParticipating;
}
