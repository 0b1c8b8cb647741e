using System.Text;
using Microsoft.Extensions.Logging;
using Partages.NodeAgent.Configuration;

namespace Partages.NodeAgent.Audit;

/// <summary>
/// The audit log file, <c>&lt;data_directory&gt;/audit/audit.jsonl</c>: one writer (this instance, inside the agent),
/// appends serialized by a lock, each line flushed to disk (fsync) before <see cref="Append"/> returns, so a decision
/// is on disk before the agent acts on it. The chain continues from the file's last whole line after a restart.
/// </summary>
public sealed partial class AuditLog : IAuditLog, IDisposable
{
    public const string FileName = "audit.jsonl";

    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AuditLog> _logger;
    private readonly Lock _gate = new();
    private FileStream? _stream;
    private long _seq;
    private string _prevHash = AuditChain.Genesis;

    public AuditLog(string directory, TimeProvider timeProvider, ILogger<AuditLog> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, FileName);

    public static string PathFor(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Path.Combine(config.AuditDirectory, FileName);
    }

    public AuditRecord Append(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            var stream = _stream ??= Open();
            var seq = _seq + 1;
            var at = _timeProvider.GetUtcNow();
            var (line, hash) = AuditChain.Format(seq, at, entry, _prevHash);
            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
            var record = new AuditRecord(seq, at, entry, _prevHash, hash);
            _seq = seq;
            _prevHash = hash;
            return record;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }

    private FileStream Open()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var stream = new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            string text;
            using (var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: false, leaveOpen: true))
            {
                text = reader.ReadToEnd();
            }

            if (AuditChain.LastLink(text) is { } last)
            {
                (_seq, _prevHash) = last;
            }

            stream.Seek(0, SeekOrigin.End);
            if (text.Length > 0 && !text.EndsWith('\n'))
            {
                // A line cut short by a crash: end it, so the next line starts whole. 'audit verify' reports the cut line.
                LogTornLine(_logger, FilePath);
                stream.Write("\n"u8);
            }

            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "The audit log {Path} ended with an incomplete line (an earlier crash?); appending after it. 'audit verify' will report that line.")]
    private static partial void LogTornLine(ILogger logger, string path);
}
