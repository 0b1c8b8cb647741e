using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Telemetry;
using Partages.Evaluation;

namespace Partages.Coordinator.Artifacts;

/// <summary>Streams artifacts in (UploadArtifact, evaluators) and out (DownloadArtifact, nodes: resumable, hashed per chunk).</summary>
public sealed partial class ArtifactTransfer(
    ArtifactStore store,
    TimeProvider time,
    IOptions<CoordinatorOptions> options,
    ILogger<ArtifactTransfer> logger)
{
    public const int DefaultChunkBytes = 256 * 1024;
    public const int MaxChunkBytes = 1024 * 1024;
    public const string DefaultMediaType = "application/zip";

    /// <summary>Reads a header then the bytes; verifies size and SHA-256 before the artifact becomes visible.</summary>
    public async Task<ArtifactRef> UploadAsync(IAsyncStreamReader<UploadArtifactRequest> requests, string uploadedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (!await requests.MoveNext(cancellationToken).ConfigureAwait(false) || requests.Current.KindCase != UploadArtifactRequest.KindOneofCase.Header)
        {
            throw InvalidArgument.Field("header", "must be the first message of an upload (sha256, size_bytes, media_type)", "The first message of an upload must be the header (sha256, size_bytes, media_type).");
        }

        var header = requests.Current.Header;
        var expected = header.Sha256.ToLowerInvariant();
        var problems = new List<(string Field, string Description)>();
        if (!ContentHash.IsWellFormed(expected))
        {
            problems.Add(("header.sha256", "must be 64 hex digits"));
        }

        if (header.SizeBytes < 1 || header.SizeBytes > options.Value.MaxArtifactBytes)
        {
            // An empty upload is never a model bundle: refused before a byte is read.
            problems.Add(("header.size_bytes", $"is {header.SizeBytes}; it must be within 1..{options.Value.MaxArtifactBytes}"));
        }

        if (problems.Count > 0)
        {
            throw InvalidArgument.Of(string.Join(Environment.NewLine, problems.Select(p => $"{p.Field} {p.Description}.")), problems);
        }

        var temp = store.NewTempPath();
        try
        {
            long received = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    if (requests.Current.KindCase != UploadArtifactRequest.KindOneofCase.Data)
                    {
                        throw InvalidArgument.Field("data", "only data messages may follow the header", "After the header, an upload carries only data messages.");
                    }

                    var data = requests.Current.Data.Memory;
                    received += data.Length;
                    if (received > header.SizeBytes)
                    {
                        throw InvalidArgument.Field("data", $"carries more than the {header.SizeBytes} bytes the header announced", $"The upload carries more than the {header.SizeBytes} bytes its header announced.");
                    }

                    hash.AppendData(data.Span);
                    await file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                }
            }

            if (received != header.SizeBytes)
            {
                throw InvalidArgument.Field("header.size_bytes", $"announced {header.SizeBytes} bytes; the upload carried {received}", $"The upload carried {received} bytes; its header announced {header.SizeBytes}.");
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != expected)
            {
                throw InvalidArgument.Field("header.sha256", $"announced {expected}; the bytes hash to {actual}", $"The bytes hash to sha256 {actual}; the header announced {expected}.");
            }

            if (BundleShape.Problem(temp) is { } notABundle)
            {
                Log.NotABundle(logger, actual, uploadedBy);
                throw InvalidArgument.Field("data", notABundle, notABundle);
            }

            var artifact = await store.CommitAsync(
                temp,
                new ArtifactEntity
                {
                    Sha256 = actual,
                    SizeBytes = received,
                    MediaType = string.IsNullOrWhiteSpace(header.MediaType) ? DefaultMediaType : header.MediaType,
                    UploadedBy = uploadedBy,
                    CreatedAt = time.GetUtcNow(),
                },
                cancellationToken).ConfigureAwait(false);
            Log.Uploaded(logger, artifact.Sha256, artifact.SizeBytes, uploadedBy);
            return new ArtifactRef { Sha256 = artifact.Sha256, SizeBytes = artifact.SizeBytes, MediaType = artifact.MediaType };
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// Sends the artifact from <c>offset</c> (for <c>length</c> bytes, or to the end when 0) in chunks of at most
    /// <c>max_chunk_bytes</c>, each with its SHA-256. A stream that ends early (the node went away) is logged with
    /// what it had sent, so the bytes served to a node can be followed across its resumes.
    /// </summary>
    public async Task DownloadAsync(DownloadArtifactRequest request, IServerStreamWriter<ArtifactChunk> responses, string node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responses);
        var sha = request.Sha256.ToLowerInvariant();
        if (!ContentHash.IsWellFormed(sha))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "sha256 must be 64 hex digits."));
        }

        if (request.Offset < 0 || request.MaxChunkBytes < 0 || request.Length < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "offset, max_chunk_bytes and length must not be negative."));
        }

        // A node downloads only the bundles of jobs offered to it. The refusal is the same whether the bundle exists
        // or not, so a node cannot probe which models were uploaded.
        if (!await store.IsOfferedToAsync(sha, node, cancellationToken).ConfigureAwait(false))
        {
            Log.DownloadRefused(logger, sha, node);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "No job offered to this node uses this artifact."));
        }

        var artifact = await store.FindAsync(sha, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No artifact with sha256 {sha}."));
        if (request.Offset > artifact.SizeBytes)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, $"offset {request.Offset} is beyond the artifact's {artifact.SizeBytes} bytes."));
        }

        if (request.Length > artifact.SizeBytes - request.Offset)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, $"offset {request.Offset} + length {request.Length} runs past the artifact's {artifact.SizeBytes} bytes."));
        }

        var end = request.Length == 0 ? artifact.SizeBytes : request.Offset + request.Length;
        var chunkBytes = request.MaxChunkBytes == 0 ? DefaultChunkBytes : Math.Min(request.MaxChunkBytes, MaxChunkBytes);
        await using var file = new FileStream(store.PathOf(sha), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        file.Seek(request.Offset, SeekOrigin.Begin);
        var buffer = new byte[chunkBytes];
        var offset = request.Offset;
        var sent = false;
        try
        {
            while (offset < end || !sent)
            {
                var wanted = (int)Math.Min(chunkBytes, end - offset);
                var read = await file.ReadAtLeastAsync(buffer.AsMemory(0, wanted), wanted, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                var data = buffer.AsSpan(0, read);
                await responses.WriteAsync(
                    new ArtifactChunk
                    {
                        Offset = offset,
                        Data = ByteString.CopyFrom(data),
                        TotalSize = artifact.SizeBytes,
                        ChunkSha256 = ContentHash.Of(data),
                    },
                    cancellationToken).ConfigureAwait(false);
                sent = true;
                offset += read;
                CoordinatorTelemetry.ArtifactBytesServed.Add(read, new KeyValuePair<string, object?>("node", node));
                if (read == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            if (offset < end)
            {
                Log.DownloadStopped(logger, sha, node, request.Offset, offset - request.Offset, end);
            }
        }

        Log.Downloaded(logger, sha, node, request.Offset, offset - request.Offset);
    }

    private static partial class Log
    {
        [LoggerMessage(500, LogLevel.Information, "Artifact {Sha256} ({Size} bytes) uploaded by {By}.")]
        public static partial void Uploaded(ILogger logger, string sha256, long size, string by);

        [LoggerMessage(501, LogLevel.Information, "Artifact {Sha256} sent to node {Node} from offset {Offset} ({Bytes} bytes).")]
        public static partial void Downloaded(ILogger logger, string sha256, string node, long offset, long bytes);

        [LoggerMessage(503, LogLevel.Warning, "Upload {Sha256} by {By} refused: not a model bundle (a zip with a valid manifest.json).")]
        public static partial void NotABundle(ILogger logger, string sha256, string by);

        [LoggerMessage(504, LogLevel.Warning, "Node {Node} asked for artifact {Sha256}, which no job offered to it uses; refused.")]
        public static partial void DownloadRefused(ILogger logger, string sha256, string node);

        [LoggerMessage(502, LogLevel.Information, "Artifact {Sha256} stream to node {Node} from offset {Offset} stopped early ({Bytes} bytes sent; it was to end at {End}).")]
        public static partial void DownloadStopped(ILogger logger, string sha256, string node, long offset, long bytes, long end);
    }
}
