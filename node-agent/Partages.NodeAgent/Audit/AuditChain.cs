using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Partages.NodeAgent.Audit;

/// <summary>
/// The line format of the audit log and its check. A line is one JSON object whose last member is
/// <c>"hash"</c>: the SHA-256 (lowercase hex) of the line's UTF-8 bytes with that member removed — which include
/// <c>prev_hash</c>, the previous line's hash (64 zeros for the first line) — so changing, removing or moving any
/// line breaks the chain at that line. <c>seq</c> counts from 1 without gaps.
/// </summary>
public static partial class AuditChain
{
    /// <summary>The prev_hash of the first line.</summary>
    public static readonly string Genesis = new('0', 64);

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Legal bases and names are French: keep them readable in the file. The hash covers the bytes as written,
        // so the escaping style is part of the line, not a matter of interpretation.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Formats the next line: the entry's fields in a fixed order, then <c>prev_hash</c>, then <c>hash</c>.</summary>
    public static (string Line, string Hash) Format(long seq, DateTimeOffset at, AuditEntry entry, string prevHash)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", seq);
            writer.WriteString("at", at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("event", entry.Event);
            Optional(writer, "run_id", entry.RunId);
            Optional(writer, "evaluation_id", entry.EvaluationId);
            Optional(writer, "decision", entry.Decision);
            Optional(writer, "by", entry.By);
            Optional(writer, "reason", entry.Reason);
            Optional(writer, "bundle_sha256", entry.BundleSha256);
            Optional(writer, "bundle_signer", entry.BundleSigner);
            Optional(writer, "spec_sha256", entry.SpecSha256);
            Optional(writer, "spec_name", entry.SpecName);
            Optional(writer, "dataset", entry.Dataset);
            Optional(writer, "dataset_fingerprint", entry.DatasetFingerprint);
            Optional(writer, "legal_basis", entry.LegalBasis);
            Optional(writer, "payload_sha256", entry.PayloadSha256);
            Optional(writer, "policy_sha256", entry.PolicySha256);
            Optional(writer, "agent_version", entry.AgentVersion);
            Optional(writer, "signature", entry.Signature);
            Optional(writer, "signer_certificate", entry.SignerCertificate);
            writer.WriteString("prev_hash", prevHash);
            writer.WriteEndObject();
        }

        var body = Encoding.UTF8.GetString(buffer.WrittenSpan);
        var hash = HashOf(body);
        return (body[..^1] + ",\"hash\":\"" + hash + "\"}", hash);
    }

    /// <summary>Checks every line of the file; stops at the first problem, which names its line.</summary>
    public static AuditVerification VerifyFile(string path) => Verify(ReadFile(path));

    /// <summary>The log's text ("" when there is no file yet), read while the agent may be appending to it.</summary>
    public static string ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false));
        return reader.ReadToEnd();
    }

    /// <summary>Checks the chain in the text of an audit log.</summary>
    public static AuditVerification Verify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        var count = lines.Length;
        if (count > 0 && lines[^1].Length == 0)
        {
            count--; // The file ends with a newline, as every complete line does.
        }

        var parsed = new AuditLine?[count];
        for (var i = 0; i < count; i++)
        {
            parsed[i] = Parse(lines[i]);
        }

        var expectedSeq = 1L;
        var expectedPrev = Genesis;
        for (var i = 0; i < count; i++)
        {
            var number = i + 1;
            if (parsed[i] is not { } line)
            {
                return Fail(number, expectedSeq - 1, expectedPrev,
                    lines[i].Length == 0 && i < count - 1
                        ? $"line {number} is empty: a line was removed or the file was edited"
                        : i == count - 1 && !text.EndsWith('\n')
                            ? $"line {number} is incomplete or was changed (it is not a whole audit line)"
                            : $"line {number} was changed: it is not an audit line ending with its hash");
            }

            if (!line.HashMatches)
            {
                return Fail(number, expectedSeq - 1, expectedPrev, $"line {number} (seq {line.Seq}) was changed: its content does not match its hash");
            }

            if (line.Seq > expectedSeq)
            {
                var later = Array.FindIndex(parsed, i + 1, p => p is { } q && q.Seq >= expectedSeq && q.Seq < line.Seq);
                return Fail(number, expectedSeq - 1, expectedPrev, later >= 0
                    ? $"line {number} (seq {line.Seq}) is out of order: seq {expectedSeq} comes later, at line {later + 1}; lines were reordered"
                    : line.Seq == expectedSeq + 1
                        ? $"the line with seq {expectedSeq} was removed (before line {number})"
                        : $"the lines with seq {expectedSeq} to {line.Seq - 1} were removed (before line {number})");
            }

            if (line.Seq < expectedSeq)
            {
                return Fail(number, expectedSeq - 1, expectedPrev,
                    $"line {number} (seq {line.Seq}) is out of order: seq {expectedSeq} was expected; lines were reordered or copied");
            }

            if (!string.Equals(line.PrevHash, expectedPrev, StringComparison.Ordinal))
            {
                return Fail(number, expectedSeq - 1, expectedPrev, number == 1
                    ? "line 1 was changed: it does not start the chain (its prev_hash is not 64 zeros); earlier lines may have been removed"
                    : $"line {number - 1} was changed or replaced: line {number}'s prev_hash does not match it");
            }

            expectedSeq = line.Seq + 1;
            expectedPrev = line.Hash;
        }

        return new AuditVerification(true, count, expectedSeq - 1, expectedPrev, null, null);
    }

    /// <summary>Every whole audit line of the text, in file order (text that is not an audit line is left out).</summary>
    public static IReadOnlyList<AuditLine> Lines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. text.Split('\n').Select(Parse).OfType<AuditLine>()];
    }

    /// <summary>The seq and hash of the last whole line the file ends with, to continue the chain; null for none.</summary>
    internal static (long Seq, string Hash)? LastLink(string text)
    {
        foreach (var line in text.Split('\n').Reverse())
        {
            if (Parse(line) is { } parsed)
            {
                return (parsed.Seq, parsed.Hash);
            }
        }

        return null;
    }

    private static AuditVerification Fail(int line, long lastGoodSeq, string lastGoodHash, string problem) =>
        new(false, line - 1, lastGoodSeq, lastGoodHash, problem, line);

    private static AuditLine? Parse(string line)
    {
        var match = HashMember().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var body = line[..match.Index] + "}";
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("seq", out var seq) || !seq.TryGetInt64(out var seqValue)
                || !root.TryGetProperty("prev_hash", out var prev) || prev.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("event", out var evt) || evt.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var hash = match.Groups["hash"].Value;
            return new AuditLine(seqValue, prev.GetString()!, hash, string.Equals(HashOf(body), hash, StringComparison.Ordinal))
            {
                Event = evt.GetString()!,
                At = Text(root, "at"),
                Signature = Text(root, "signature"),
                SignerCertificate = Text(root, "signer_certificate"),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string HashOf(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    [GeneratedRegex("""\,"hash":"(?<hash>[0-9a-f]{64})"\}$""")]
    private static partial Regex HashMember();

}

/// <summary>
/// One audit line as read back: its place in the chain, whether its content matches its hash, and the members the
/// checkpoint check reads. <see cref="At"/> is the line's own UTC time, as written.
/// </summary>
public sealed record AuditLine(long Seq, string PrevHash, string Hash, bool HashMatches)
{
    public string Event { get; init; } = "";

    public string? At { get; init; }

    public string? Signature { get; init; }

    public string? SignerCertificate { get; init; }
}

/// <summary>
/// The verdict of <see cref="AuditChain.Verify"/>: valid, or the first problem and its line. <see cref="LastSeq"/> and
/// <see cref="LastHash"/> describe the last line verified; keep them elsewhere to detect a truncated end later.
/// </summary>
public sealed record AuditVerification(bool Valid, int LinesVerified, long LastSeq, string LastHash, string? Problem, int? ProblemLine);
