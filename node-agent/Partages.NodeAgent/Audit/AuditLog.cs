using System.Text;

namespace Partages.NodeAgent.Audit;

/// <summary>
/// The audit log file, <c>&lt;data_directory&gt;/audit/audit.jsonl</c>: one writer (this instance, inside the agent),
/// appends serialized by a lock, each line flushed to disk (fsync) before <see cref="Append"/> returns, so a decision
/// is on disk before the agent acts on it. The chain continues from the file's last whole line after a restart.
/// With a <see cref="AuditSigner"/> (the running agent always has one), a <c>checkpoint</c> line signed with the
/// node's key follows at each start (covering what the previous run wrote) and every
/// <see cref="CheckpointInterval"/> entries: an unkeyed hash chain can be recomputed by anyone who edits the file, a
/// checkpoint cannot be made without the key.
/// </summary>
public sealed partial class AuditLog : IAuditLog, IDisposable
{
    public const string FileName = "audit.jsonl";

    /// <summary>
    /// At most this many entries follow the last checkpoint (AuditVerifier holds a log to it). Small enough that the
    /// unsigned tail is short, large enough that checkpoints stay a few percent of the log.
    /// </summary>
    public const int CheckpointInterval = 64;

    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AuditLog> _logger;
    private readonly AuditSigner? _signer;
    private readonly Lock _gate = new();
    private FileStream? _stream;
    private long _seq;
    private string _prevHash = AuditChain.Genesis;
    private int _sinceCheckpoint;

    /// <param name="signer">Signs the checkpoints; the log owns it from now on.</param>
    public AuditLog(string directory, TimeProvider timeProvider, ILogger<AuditLog> logger, AuditSigner? signer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
        _timeProvider = timeProvider;
        _logger = logger;
        _signer = signer;
    }

    public string Directory { get; }

    /// <summary>The key that signs checkpoints and heads; owned (disposed) by this log. Null when the node has no identity.</summary>
    public AuditSigner? Signer => _signer;

    public string FilePath => Path.Combine(Directory, FileName);

    public static string PathFor(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Path.Combine(config.AuditDirectory, FileName);
    }

    /// <summary>The seq and hash of the log's last line (0 and <see cref="AuditChain.Genesis"/> while it is empty).</summary>
    public (long Seq, string Hash) Head
    {
        get
        {
            lock (_gate)
            {
                _stream ??= Open();
                return (_seq, _prevHash);
            }
        }
    }

    public AuditRecord Append(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            var stream = _stream ??= Open();
            var record = Write(stream, entry);
            if (_signer is not null && ++_sinceCheckpoint >= CheckpointInterval)
            {
                WriteCheckpoint(stream, _signer);
            }

            return record;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stream?.Dispose();
            _stream = null;
            _signer?.Dispose();
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

            if (_signer is not null && _seq > 0)
            {
                // Seal what the previous run wrote after its last checkpoint (a crash, or a stop, leaves such a tail).
                WriteCheckpoint(stream, _signer);
            }

            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Writes one line and moves the head; under the lock.</summary>
    private AuditRecord Write(FileStream stream, AuditEntry entry)
    {
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

    /// <summary>A checkpoint over the current head: the signature covers the previous line's hash, hence every line before.</summary>
    private void WriteCheckpoint(FileStream stream, AuditSigner signer)
    {
        var (signature, certificate) = signer.SignWithCertificate(_seq, _prevHash);
        Write(stream, new AuditEntry(AuditEvents.Checkpoint)
        {
            By = signer.NodeName,
            Signature = Convert.ToBase64String(signature),
            SignerCertificate = certificate,
        });
        _sinceCheckpoint = 0;
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "The audit log {Path} ended with an incomplete line (an earlier crash?); appending after it. 'audit verify' will report that line.")]
    private static partial void LogTornLine(ILogger logger, string path);
}
