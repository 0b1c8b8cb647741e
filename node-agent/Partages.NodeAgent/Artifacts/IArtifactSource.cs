using System.Runtime.CompilerServices;
using Grpc.Core;
using Partages.NodeAgent.Connectivity;

namespace Partages.NodeAgent.Artifacts;

/// <summary>Where artifact bytes come from: the coordinator's DownloadArtifact stream, from a resume offset.</summary>
public interface IArtifactSource
{
    /// <param name="length">Bytes wanted from <paramref name="offset"/>; 0 for everything up to the end.</param>
    IAsyncEnumerable<ArtifactChunk> ReadAsync(string sha256, long offset, long length, int maxChunkBytes, CancellationToken cancellationToken);

    /// <summary>Why a download stream stopped, in words for the log (null: the stream ended early without an error).</summary>
    string DescribeInterruption(Exception? exception) => exception?.Message ?? "stream ended";
}

internal sealed class GrpcArtifactSource(CoordinatorChannel channel, CoordinatorLinkBreaker linkBreaker) : IArtifactSource
{
    public string DescribeInterruption(Exception? exception) => channel.DescribeInterruption(exception);

    public async IAsyncEnumerable<ArtifactChunk> ReadAsync(
        string sha256,
        long offset,
        long length,
        int maxChunkBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new DownloadArtifactRequest { Sha256 = sha256, Offset = offset, Length = length, MaxChunkBytes = maxChunkBytes };
        AsyncServerStreamingCall<ArtifactChunk>? call = null;
        try
        {
            // Opening the stream, up to its first chunk, goes through the link's circuit breaker, as the session's
            // dial does: a long download must not be the half-open trial that holds every other call out.
            var more = await linkBreaker.Pipeline.ExecuteAsync(
                async ct =>
                {
                    call = channel.DownloadArtifact(request, cancellationToken);
                    return await call.ResponseStream.MoveNext(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            while (more)
            {
                yield return call!.ResponseStream.Current;
                more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            call?.Dispose();
        }
    }
}
