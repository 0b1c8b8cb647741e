using System.Collections.Concurrent;
using Grpc.Core;
using Partages.Evaluation;
using Partages.NodeAgent.Connectivity;
using Polly;
using Polly.CircuitBreaker;

namespace Partages.NodeAgent.Artifacts;

public readonly record struct DownloadProgress(long BytesDone, long BytesTotal);

/// <summary>
/// Content-addressed artifacts (model bundles) in <c>&lt;data_directory&gt;/artifacts/&lt;sha256&gt;</c>. A download
/// writes to <c>&lt;sha256&gt;.partial</c>; each chunk's SHA-256 is checked before it is written (a bad chunk is
/// fetched again) and recorded in the <see cref="ChunkJournal"/> (<c>&lt;sha256&gt;.chunks</c>) once it is on disk.
/// After any cut, in this process or after a restart, the download resumes where the journal ends: the chunks
/// already held are checked again against the journal first, bytes it does not cover are dropped, and a chunk
/// damaged on disk is fetched again by its range alone. The whole file's SHA-256 is checked before it is used (on a
/// mismatch the chunks are checked once more and the damaged ones fetched again). An artifact already present and
/// intact is not downloaded again; a damaged one is repaired the same way, chunk by chunk.
/// </summary>
public sealed partial class ArtifactStore
{
    private const string PartialSuffix = ".partial";
    private const string JournalSuffix = ".chunks";

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

    /// <summary>The <see cref="ChunkJournal"/> of the partial file while downloading, then of the artifact.</summary>
    public string JournalPathFor(string sha256) => PathFor(sha256) + JournalSuffix;

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
            if (File.Exists(finalPath))
            {
                if (await IsIntactAsync(finalPath, artifact, cancellationToken).ConfigureAwait(false))
                {
                    LogCacheHit(_logger, artifact.Sha256);
                    progress?.Report(new DownloadProgress(artifact.SizeBytes, artifact.SizeBytes));
                    return finalPath;
                }

                // Damaged where it is stored: it becomes a partial file again, so its journal finds the damaged chunks
                // and only those are fetched (without a journal, nothing in it can be vouched for and all is fetched).
                LogCachedCopyCorrupt(_logger, artifact.Sha256);
                File.Move(finalPath, PartialPathFor(artifact.Sha256), overwrite: true);
            }

            await DownloadAsync(artifact, progress, cancellationToken).ConfigureAwait(false);
            return finalPath;
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<bool> IsIntactAsync(string path, ArtifactRef artifact, CancellationToken cancellationToken) =>
        new FileInfo(path).Length == artifact.SizeBytes
        && await ContentHash.OfFileAsync(path, cancellationToken).ConfigureAwait(false) == artifact.Sha256;

    private async Task DownloadAsync(ArtifactRef artifact, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var partialPath = PartialPathFor(artifact.Sha256);
        var started = _timeProvider.GetTimestamp();
        var download = new DownloadState(artifact, partialPath, JournalPathFor(artifact.Sha256), progress);
        var pipeline = ReconnectPipeline.Create(
            _options.ReconnectInitialDelay,
            _options.ReconnectMaxDelay,
            Math.Max(0, _options.DownloadMaxAttempts - 1),
            _timeProvider,
            IsTransient,
            args =>
            {
                LogDownloadInterrupted(_logger, artifact.Sha256, download.Offset, artifact.SizeBytes, args.AttemptNumber + 1, _source.DescribeInterruption(args.Outcome.Exception));
                return ValueTask.CompletedTask;
            });

        try
        {
            await PrepareResumeAsync(download, cancellationToken).ConfigureAwait(false);
            await pipeline.ExecuteAsync(async ct => await AttemptAsync(download, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            var actual = await ContentHash.OfFileAsync(partialPath, cancellationToken).ConfigureAwait(false);
            if (actual != artifact.Sha256)
            {
                // Every chunk was checked on arrival, so some byte changed since (on disk), or the journal vouches for
                // bytes it should not: check the chunks once more and fetch the damaged ones again, or, if none is,
                // everything once more. Still wrong: the coordinator's bytes are not the announced ones.
                var damaged = await ChunkJournal.FindDamagedAsync(partialPath, download.Entries, cancellationToken).ConfigureAwait(false);
                LogWholeFileMismatch(_logger, artifact.Sha256, actual, damaged.Count);
                if (damaged.Count > 0)
                {
                    download.QueueRepairs(damaged);
                }
                else
                {
                    download.Entries.Clear();
                    ChunkJournal.Write(download.JournalPath, download.Entries);
                }

                await pipeline.ExecuteAsync(async ct => await AttemptAsync(download, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                actual = await ContentHash.OfFileAsync(partialPath, cancellationToken).ConfigureAwait(false);

                if (actual != artifact.Sha256)
                {
                    File.Delete(partialPath);
                    File.Delete(download.JournalPath);
                    LogFinalHashMismatch(_logger, artifact.Sha256, actual);
                    throw new ArtifactException($"the downloaded model bundle's SHA-256 is {actual}, not the announced {artifact.Sha256}; the download was discarded");
                }
            }
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
        catch (BrokenCircuitException ex)
        {
            throw new ArtifactException("downloading the model bundle failed: the coordinator stayed unreachable (the link's circuit breaker is open after repeated failures)", ex);
        }
        catch (IncompleteDownloadException ex)
        {
            throw new ArtifactException($"downloading the model bundle failed after {_options.DownloadMaxAttempts} attempt(s): {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new ArtifactException($"cannot write the model bundle under {Directory}: {ex.Message}", ex);
        }

        File.Move(partialPath, PathFor(artifact.Sha256), overwrite: true);
        LogDownloaded(_logger, artifact.Sha256, artifact.SizeBytes, _timeProvider.GetElapsedTime(started), download.BytesFetched, download.Streams);
    }

    /// <summary>
    /// What a partial file left on disk is worth: the chunks its journal covers are checked again (the damaged ones
    /// queued to be fetched again), and the bytes past the journal's end, never checked, are dropped.
    /// </summary>
    private async Task PrepareResumeAsync(DownloadState download, CancellationToken cancellationToken)
    {
        var sha256 = download.Artifact.Sha256;
        if (!File.Exists(download.PartialPath))
        {
            File.Delete(download.JournalPath);
            return;
        }

        var length = new FileInfo(download.PartialPath).Length;
        var journal = ChunkJournal.Read(download.JournalPath);
        var entries = journal.TakeWhile(e => e.End <= length && e.End <= download.Artifact.SizeBytes).ToList();
        var covered = entries.Count == 0 ? 0 : entries[^1].End;
        if (length > covered)
        {
            LogUncheckedTailDropped(_logger, sha256, covered, length);
            using var file = new FileStream(download.PartialPath, FileMode.Open, FileAccess.Write, FileShare.None);
            file.SetLength(covered);
        }

        if (entries.Count != journal.Count || !File.Exists(download.JournalPath))
        {
            ChunkJournal.Write(download.JournalPath, entries);
        }

        download.Entries.AddRange(entries);
        var damaged = await ChunkJournal.FindDamagedAsync(download.PartialPath, entries, cancellationToken).ConfigureAwait(false);
        foreach (var entry in damaged)
        {
            LogChunkDamagedOnDisk(_logger, sha256, entry.Offset, entry.Length);
        }

        download.QueueRepairs(damaged);
        download.Offset = covered;
        if (covered > 0)
        {
            LogHeldOnDisk(_logger, sha256, covered, download.Artifact.SizeBytes, entries.Count, damaged.Count);
        }
    }

    /// <summary>
    /// One attempt: fetch again the chunks found damaged on disk, then append from the journal's end until complete.
    /// A bad chunk from the network restarts the stream at once.
    /// </summary>
    private async Task AttemptAsync(DownloadState download, CancellationToken cancellationToken)
    {
        while (download.Repairs.TryPeek(out var damaged))
        {
            if (await RepairAsync(download, damaged, cancellationToken).ConfigureAwait(false))
            {
                download.Repairs.Dequeue();
            }
        }

        var artifact = download.Artifact;
        while (true)
        {
            var offset = download.Entries.Count == 0 ? 0 : download.Entries[^1].End;
            download.Offset = offset;
            if (offset == artifact.SizeBytes)
            {
                return;
            }

            if (offset > 0)
            {
                LogResuming(_logger, artifact.Sha256, offset, artifact.SizeBytes);
            }

            var restart = false;
            download.Streams++;
            var stream = new FileStream(download.PartialPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true);
            var journal = new StreamWriter(download.JournalPath, append: true, System.Text.Encoding.ASCII);
            await using (stream.ConfigureAwait(false))
            await using (journal.ConfigureAwait(false))
            {
                // Bytes past the journal's end (a write the journal never recorded) are not trusted: overwritten.
                stream.SetLength(offset);
                stream.Position = offset;
                await foreach (var chunk in _source.ReadAsync(artifact.Sha256, offset, 0, _options.DownloadChunkBytes, cancellationToken).ConfigureAwait(false))
                {
                    var problem = Check(chunk, offset, artifact.SizeBytes, artifact.SizeBytes);
                    if (problem is not null)
                    {
                        CountBadChunk(download, problem);
                        restart = true;
                        break;
                    }

                    if (chunk.Data.Length == 0)
                    {
                        continue;
                    }

                    // The bytes first, then their journal line: a crash between the two leaves bytes the journal does
                    // not cover, which the next start drops.
                    await stream.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    var entry = new JournalEntry(offset, chunk.Data.Length, chunk.ChunkSha256);
                    await journal.WriteAsync(ChunkJournal.Line(entry).AsMemory(), cancellationToken).ConfigureAwait(false);
                    await journal.FlushAsync(cancellationToken).ConfigureAwait(false);
                    download.Entries.Add(entry);
                    offset += chunk.Data.Length;
                    download.Offset = offset;
                    download.BytesFetched += chunk.Data.Length;
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

    /// <summary>Fetches one damaged chunk's range again and writes it in place; false when a bad chunk came (fetch again).</summary>
    private async Task<bool> RepairAsync(DownloadState download, JournalEntry damaged, CancellationToken cancellationToken)
    {
        var artifact = download.Artifact;
        var replacement = new List<JournalEntry>();
        var position = damaged.Offset;
        download.Streams++;
        var file = new FileStream(download.PartialPath, FileMode.Open, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            await foreach (var chunk in _source.ReadAsync(artifact.Sha256, damaged.Offset, damaged.Length, _options.DownloadChunkBytes, cancellationToken).ConfigureAwait(false))
            {
                var problem = Check(chunk, position, damaged.End, artifact.SizeBytes);
                if (problem is not null)
                {
                    CountBadChunk(download, problem);
                    return false;
                }

                file.Position = chunk.Offset;
                await file.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                if (chunk.Data.Length > 0)
                {
                    replacement.Add(new JournalEntry(chunk.Offset, chunk.Data.Length, chunk.ChunkSha256));
                }

                position += chunk.Data.Length;
                download.BytesFetched += chunk.Data.Length;
            }

            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (position != damaged.End)
        {
            throw new IncompleteDownloadException($"the stream repairing bytes {damaged.Offset}..{damaged.End} ended at byte {position}");
        }

        // The range's new entries replace the damaged one (the same, unless the coordinator cut the range differently).
        var at = download.Entries.FindIndex(e => e.Offset == damaged.Offset);
        download.Entries.RemoveAt(at);
        download.Entries.InsertRange(at, replacement);
        ChunkJournal.Write(download.JournalPath, download.Entries);
        LogChunkRefetched(_logger, artifact.Sha256, damaged.Offset, damaged.Length);
        return true;
    }

    /// <summary>Why a chunk cannot be written where <paramref name="expectedOffset"/> is, or null when it can.</summary>
    private static string? Check(ArtifactChunk chunk, long expectedOffset, long end, long size)
    {
        if (chunk.TotalSize != size)
        {
            throw new ArtifactException($"the coordinator announces {chunk.TotalSize} bytes for the model bundle; the offer said {size}");
        }

        return chunk.Offset != expectedOffset
            ? $"chunk at offset {chunk.Offset} where {expectedOffset} was expected"
            : ContentHash.Of(chunk.Data.Span) != chunk.ChunkSha256
                ? $"chunk at offset {chunk.Offset} ({chunk.Data.Length} bytes) does not match its sha256"
                : expectedOffset + chunk.Data.Length > end
                    ? $"chunk at offset {chunk.Offset} runs past the bytes asked for"
                    : null;
    }

    private void CountBadChunk(DownloadState download, string problem)
    {
        download.BadChunks++;
        LogBadChunk(_logger, download.Artifact.Sha256, problem, download.BadChunks);
        if (download.BadChunks > _options.DownloadMaxBadChunks)
        {
            throw new ArtifactException($"the model bundle download kept failing its chunk checks ({download.BadChunks} bad chunks; last: {problem})");
        }
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        IncompleteDownloadException => true,
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted
            or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted,
        _ => false,
    };

    private sealed class DownloadState(ArtifactRef artifact, string partialPath, string journalPath, IProgress<DownloadProgress>? progress)
    {
        public ArtifactRef Artifact { get; } = artifact;

        public string PartialPath { get; } = partialPath;

        public string JournalPath { get; } = journalPath;

        public IProgress<DownloadProgress>? Progress { get; } = progress;

        /// <summary>The checked chunks on disk, contiguous from byte 0: the journal's content.</summary>
        public List<JournalEntry> Entries { get; } = [];

        /// <summary>Chunks found damaged on disk, to fetch again before appending.</summary>
        public Queue<JournalEntry> Repairs { get; } = new();

        public long Offset { get; set; }

        public long BytesFetched { get; set; }

        public int Streams { get; set; }

        public int BadChunks { get; set; }

        public void QueueRepairs(IEnumerable<JournalEntry> damaged)
        {
            foreach (var entry in damaged)
            {
                Repairs.Enqueue(entry);
            }
        }
    }

    private sealed class IncompleteDownloadException(string message) : Exception(message);
}
