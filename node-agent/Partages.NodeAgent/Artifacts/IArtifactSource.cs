using System.Runtime.CompilerServices;
using Grpc.Core;
using Partages.Contracts.V1;
using Partages.NodeAgent.Connectivity;

namespace Partages.NodeAgent.Artifacts;

/// <summary>Where artifact bytes come from: the coordinator's DownloadArtifact stream, from a resume offset.</summary>
public interface IArtifactSource
{
    /// <param name="length">Bytes wanted from <paramref name="offset"/>; 0 for everything up to the end.</param>
    IAsyncEnumerable<ArtifactChunk> ReadAsync(string sha256, long offset, long length, int maxChunkBytes, CancellationToken cancellationToken);
}

internal sealed class GrpcArtifactSource(CoordinatorChannel channel) : IArtifactSource
{
    public async IAsyncEnumerable<ArtifactChunk> ReadAsync(
        string sha256,
        long offset,
        long length,
        int maxChunkBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new DownloadArtifactRequest { Sha256 = sha256, Offset = offset, Length = length, MaxChunkBytes = maxChunkBytes };
        using var call = channel.DownloadArtifact(request, cancellationToken);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return chunk;
        }
    }
}
