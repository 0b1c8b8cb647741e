using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Partages.Contracts.V1;
using Partages.Evaluation;
using Partages.NodeAgent.Configuration;
using Partages.NodeAgent.Connectivity;
using Polly;

namespace Partages.NodeAgent.Artifacts;

public readonly record struct DownloadProgress(long BytesDone, long BytesTotal);

/// <summary>
/// Content-addressed artifacts (model bundles) in <c>&lt;data_directory&gt;/artifacts/&lt;sha256&gt;</c>. A download
/// writes to <c>&lt;sha256&gt;.partial</c> and resumes from its length after any cut; each chunk's SHA-256 is
/// checked before it is written (a bad chunk is fetched again), the whole file's SHA-256 before it is used.
/// An artifact already present and intact is not downloaded again.
/// </summary>
public sealed partial class ArtifactStore
{
    private const string PartialSuffix = ".partial";

    private readonly IArtifactSource _source;
    private readonly AgentOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ArtifactStore> _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public ArtifactStore(string directory, IArtifactSource source, AgentOptions options, TimeProvider timeProvider, ILogger<ArtifactStore> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
        _source = source;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Directory { get; }

    public string PathFor(string sha256) => Path.Combine(Directory, sha256);

    public string PartialPathFor(string sha256) => PathFor(sha256) + PartialSuffix;

    /// <summary>The local path of the intact artifact, downloading what is missing.</summary>
    /// <exception cref="ArtifactException">The artifact could not be obtained intact; the message is safe to send.</exception>
    public async Task<string> GetAsync(ArtifactRef artifact, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (!ContentHash.IsWellFormed(artifact.Sha256) || artifact.SizeBytes <= 0)
        {
            throw new ArtifactException("the offered model bundle has no valid sha256 and size");
        }

        var gate = _locks.GetOrAdd(artifact.Sha256, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var finalPath = PathFor(artifact.Sha256);
            if (await IsIntactAsync(finalPath, artifact, cancellationToken).ConfigureAwait(false))
            {
                LogCacheHit(_logger, artifact.Sha256);
                progress?.Report(new DownloadProgress(artifact.SizeBytes, artifact.SizeBytes));
                return finalPath;
            }

            await DownloadAsync(artifact, progress, cancellationToken).ConfigureAwait(false);
            return finalPath;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<bool> IsIntactAsync(string path, ArtifactRef artifact, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (new FileInfo(path).Length == artifact.SizeBytes
            && await ContentHash.OfFileAsync(path, cancellationToken).ConfigureAwait(false) == artifact.Sha256)
        {
            return true;
        }

        LogCachedCopyCorrupt(_logger, artifact.Sha256);
        File.Delete(path);
        return false;
    }

    private async Task DownloadAsync(ArtifactRef artifact, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var partialPath = PartialPathFor(artifact.Sha256);
        var started = _timeProvider.GetTimestamp();
        var download = new DownloadState(artifact, partialPath, progress);
        var pipeline = ReconnectPipeline.Create(
            _options.ReconnectInitialDelay,
            _options.ReconnectMaxDelay,
            Math.Max(0, _options.DownloadMaxAttempts - 1),
            _timeProvider,
            IsTransient,
            args =>
            {
                LogDownloadInterrupted(_logger, artifact.Sha256, download.Offset, artifact.SizeBytes, args.AttemptNumber + 1, args.Outcome.Exception?.Message ?? "stream ended");
                return ValueTask.CompletedTask;
            });

        try
        {
            await pipeline.ExecuteAsync(async ct => await AttemptAsync(download, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The download was cancelled.", ex, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw new ArtifactException($"the coordinator has no artifact {artifact.Sha256}", ex);
        }
        catch (RpcException ex)
        {
            throw new ArtifactException($"downloading the model bundle failed ({ex.StatusCode}): {ex.Status.Detail}", ex);
        }
        catch (IncompleteDownloadException ex)
        {
            throw new ArtifactException($"downloading the model bundle failed after {_options.DownloadMaxAttempts} attempt(s): {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new ArtifactException($"cannot write the model bundle under {Directory}: {ex.Message}", ex);
        }

        var actual = await ContentHash.OfFileAsync(partialPath, cancellationToken).ConfigureAwait(false);
        if (actual != artifact.Sha256)
        {
            File.Delete(partialPath);
            LogFinalHashMismatch(_logger, artifact.Sha256, actual);
            throw new ArtifactException($"the downloaded model bundle's SHA-256 is {actual}, not the announced {artifact.Sha256}; the download was discarded");
        }

        File.Move(partialPath, PathFor(artifact.Sha256), overwrite: true);
        LogDownloaded(_logger, artifact.Sha256, artifact.SizeBytes, _timeProvider.GetElapsedTime(started), download.ResumedFrom);
    }

    /// <summary>One attempt: resume from the partial file's length until complete; a bad chunk restarts the stream at once.</summary>
    private async Task AttemptAsync(DownloadState download, CancellationToken cancellationToken)
    {
        var artifact = download.Artifact;
        while (true)
        {
            var offset = File.Exists(download.PartialPath) ? new FileInfo(download.PartialPath).Length : 0;
            if (offset > artifact.SizeBytes)
            {
                File.Delete(download.PartialPath);
                offset = 0;
            }

            download.Offset = offset;
            download.ResumedFrom ??= offset;
            if (offset == artifact.SizeBytes)
            {
                return;
            }

            var restart = false;
            var stream = new FileStream(download.PartialPath, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await foreach (var chunk in _source.ReadAsync(artifact.Sha256, offset, _options.DownloadChunkBytes, cancellationToken).ConfigureAwait(false))
                {
                    if (chunk.TotalSize != artifact.SizeBytes)
                    {
                        throw new ArtifactException($"the coordinator announces {chunk.TotalSize} bytes for the model bundle; the offer said {artifact.SizeBytes}");
                    }

                    var problem = chunk.Offset != offset
                        ? $"chunk at offset {chunk.Offset} where {offset} was expected"
                        : ContentHash.Of(chunk.Data.Span) != chunk.ChunkSha256
                            ? $"chunk at offset {chunk.Offset} ({chunk.Data.Length} bytes) does not match its sha256"
                            : offset + chunk.Data.Length > artifact.SizeBytes
                                ? $"chunk at offset {chunk.Offset} runs past the announced size"
                                : null;
                    if (problem is not null)
                    {
                        download.BadChunks++;
                        LogBadChunk(_logger, artifact.Sha256, problem, download.BadChunks);
                        if (download.BadChunks > _options.DownloadMaxBadChunks)
                        {
                            throw new ArtifactException($"the model bundle download kept failing its chunk checks ({download.BadChunks} bad chunks; last: {problem})");
                        }

                        restart = true;
                        break;
                    }

                    await stream.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    offset += chunk.Data.Length;
                    download.Offset = offset;
                    download.Progress?.Report(new DownloadProgress(offset, artifact.SizeBytes));
                }
            }

            if (restart)
            {
                continue;
            }

            if (offset == artifact.SizeBytes)
            {
                return;
            }

            throw new IncompleteDownloadException($"the stream ended at byte {offset} of {artifact.SizeBytes}");
        }
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        IncompleteDownloadException => true,
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted
            or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted,
        _ => false,
    };

    private sealed class DownloadState(ArtifactRef artifact, string partialPath, IProgress<DownloadProgress>? progress)
    {
        public ArtifactRef Artifact { get; } = artifact;

        public string PartialPath { get; } = partialPath;

        public IProgress<DownloadProgress>? Progress { get; } = progress;

        public long Offset { get; set; }

        public long? ResumedFrom { get; set; }

        public int BadChunks { get; set; }
    }

    private sealed class IncompleteDownloadException(string message) : Exception(message);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Artifact {Sha256} is already here and intact; not downloading it")]
    private static partial void LogCacheHit(ILogger logger, string sha256);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "The cached copy of artifact {Sha256} is damaged; downloading it again")]
    private static partial void LogCachedCopyCorrupt(ILogger logger, string sha256);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Artifact {Sha256}: {Problem}; fetching it again ({BadChunks} bad so far)")]
    private static partial void LogBadChunk(ILogger logger, string sha256, string problem, int badChunks);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Download of artifact {Sha256} interrupted at byte {Offset} of {Total} (attempt {Attempt}): {Reason}; resuming")]
    private static partial void LogDownloadInterrupted(ILogger logger, string sha256, long offset, long total, int attempt, string reason);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Downloaded artifact {Sha256} hashes to {Actual}; discarded")]
    private static partial void LogFinalHashMismatch(ILogger logger, string sha256, string actual);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Downloaded artifact {Sha256} ({Bytes} bytes) in {Elapsed}, resumed from byte {ResumedFrom}")]
    private static partial void LogDownloaded(ILogger logger, string sha256, long bytes, TimeSpan elapsed, long? resumedFrom);
}
