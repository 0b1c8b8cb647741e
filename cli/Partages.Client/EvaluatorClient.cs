using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.Contracts.V1;
using EvaluationView = Partages.Contracts.V1.Evaluation;
using Partages.Evaluation;

namespace Partages.Demo.Evaluator;

/// <summary>The evaluator's side of the API: push a bundle, submit a spec, follow it to the end.</summary>
public sealed class EvaluatorClient(GrpcChannel channel)
{
    private const int UploadChunkBytes = 256 * 1024;

    private readonly EvaluationService.EvaluationServiceClient _client = new(channel);

    public EvaluationService.EvaluationServiceClient Raw => _client;

    /// <summary>Streams a model bundle into the coordinator's content-addressed store; returns its reference.</summary>
    public async Task<ArtifactRef> UploadBundleAsync(string bundlePath, CancellationToken cancellationToken = default)
    {
        var sha256 = await ContentHash.OfFileAsync(bundlePath, cancellationToken).ConfigureAwait(false);
        var size = new FileInfo(bundlePath).Length;
        using var call = _client.UploadArtifact(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new UploadArtifactRequest
        {
            Header = new ArtifactRef { Sha256 = sha256, SizeBytes = size, MediaType = "application/vnd.partages.model-bundle+zip" },
        }, cancellationToken).ConfigureAwait(false);

        await using var file = File.OpenRead(bundlePath);
        var buffer = new byte[UploadChunkBytes];
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await call.RequestStream.WriteAsync(new UploadArtifactRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    public async Task<EvaluationView> SubmitAsync(string specYaml, string bundleSha256, IEnumerable<string>? nodes = null, CancellationToken cancellationToken = default)
    {
        var request = new SubmitEvaluationRequest { SpecYaml = specYaml, ModelBundleSha256 = bundleSha256 };
        request.Nodes.AddRange(nodes ?? []);
        return await _client.SubmitEvaluationAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Follows an evaluation, calling <paramref name="onUpdate"/> on every snapshot; returns the final one.</summary>
    public async Task<EvaluationView> WatchUntilFinalAsync(string evaluationId, Action<EvaluationView>? onUpdate = null, CancellationToken cancellationToken = default)
    {
        using var call = _client.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluationId }, cancellationToken: cancellationToken);
        EvaluationView? last = null;
        await foreach (var snapshot in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            last = snapshot;
            onUpdate?.Invoke(snapshot);
            if (IsFinal(snapshot.State))
            {
                return snapshot;
            }
        }

        // The stream ended early (e.g. the coordinator restarted): the stored state is authoritative.
        last = await _client.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluationId }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return IsFinal(last.State) ? last : await WatchUntilFinalAsync(evaluationId, onUpdate, cancellationToken).ConfigureAwait(false);
    }

    public static bool IsFinal(EvaluationState state) =>
        state is EvaluationState.Completed or EvaluationState.Failed or EvaluationState.Cancelled;
}
