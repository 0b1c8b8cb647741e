namespace Partages.NodeAgent.Artifacts;

/// <summary>The log events of <see cref="ArtifactStore"/>, with their stable ids.</summary>
public sealed partial class ArtifactStore
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Artifact {Sha256} is already here and intact; not downloading it")]
    private static partial void LogCacheHit(ILogger logger, string sha256);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "The cached copy of artifact {Sha256} is damaged; checking its chunks and fetching the damaged ones again")]
    private static partial void LogCachedCopyCorrupt(ILogger logger, string sha256);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Artifact {Sha256}: {Problem}; fetching it again ({BadChunks} bad so far)")]
    private static partial void LogBadChunk(ILogger logger, string sha256, string problem, int badChunks);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Download of artifact {Sha256} interrupted at byte {Offset} of {Total} (attempt {Attempt}): {Reason}; resuming")]
    private static partial void LogDownloadInterrupted(ILogger logger, string sha256, long offset, long total, int attempt, string reason);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Downloaded artifact {Sha256} hashes to {Actual}; discarded")]
    private static partial void LogFinalHashMismatch(ILogger logger, string sha256, string actual);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Downloaded artifact {Sha256} ({Bytes} bytes) in {Elapsed}: {Fetched} bytes fetched over {Streams} stream(s)")]
    private static partial void LogDownloaded(ILogger logger, string sha256, long bytes, TimeSpan elapsed, long fetched, int streams);

    [LoggerMessage(EventId = 306, Level = LogLevel.Information, Message = "Resuming the download of artifact {Sha256} from byte {Offset} of {Total}")]
    private static partial void LogResuming(ILogger logger, string sha256, long offset, long total);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "Artifact {Sha256}: bytes {Covered}..{Length} of the partial file were never checked (no journal line); dropped")]
    private static partial void LogUncheckedTailDropped(ILogger logger, string sha256, long covered, long length);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "Artifact {Sha256}: the chunk at offset {Offset} ({Length} bytes) no longer matches its sha256 on disk; fetching that chunk again")]
    private static partial void LogChunkDamagedOnDisk(ILogger logger, string sha256, long offset, int length);

    [LoggerMessage(EventId = 309, Level = LogLevel.Information, Message = "Artifact {Sha256}: the chunk at offset {Offset} ({Length} bytes) fetched again and written in place")]
    private static partial void LogChunkRefetched(ILogger logger, string sha256, long offset, int length);

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Artifact {Sha256}: {Held} of {Total} bytes already on disk in {Chunks} checked chunk(s), {Damaged} damaged")]
    private static partial void LogHeldOnDisk(ILogger logger, string sha256, long held, long total, int chunks, int damaged);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "Artifact {Sha256} hashes to {Actual} once complete; {Damaged} chunk(s) no longer match the journal")]
    private static partial void LogWholeFileMismatch(ILogger logger, string sha256, string actual, int damaged);
}
