using System.Security.Cryptography;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Splits a stream into lines as raw bytes, holding at most one line (bounded by a limit) in memory. Bytes, not
/// characters, so that invalid UTF-8 can be detected and counted instead of being silently replaced by U+FFFD as a
/// <see cref="StreamReader"/> would. Accepts LF and CRLF line ends and drops a UTF-8 byte order mark at the start.
/// With <c>quoteAware</c> (CSV), an LF inside a quoted field belongs to the record. Only a quote that starts a field
/// opens one (a stray quote inside an unquoted field is literal, as Python's csv reads it), and a doubled quote
/// inside a quoted field does not close it. A quote left open runs to the end of the file.
/// </summary>
internal sealed class Utf8LineReader
{
    private const int InitialBufferBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private readonly int _bufferLimit;
    private readonly IncrementalHash? _hash;
    private readonly bool _quoteAware;
    private byte[] _buffer;
    private CsvState _csv;
    private int _start;
    private int _end;
    private bool _endOfStream;
    private bool _firstLine = true;

    /// <param name="hash">Fed every byte of the stream as it is read, so a dataset is fingerprinted in the same pass.</param>
    public Utf8LineReader(Stream stream, int maxLineBytes, IncrementalHash? hash = null, bool quoteAware = false)
    {
        _quoteAware = quoteAware;
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        // Room for the longest accepted line plus CR and LF, so a too-long line is seen before the buffer is full.
        _bufferLimit = (int)Math.Min((long)maxLineBytes + 2, Array.MaxLength);
        _hash = hash;
        _buffer = new byte[Math.Min(InitialBufferBytes, _bufferLimit)];
    }

    /// <summary>
    /// Reads the next line. Returns false at the end of the stream. When <paramref name="tooLong"/> is true the
    /// line was longer than the limit and has been skipped; <paramref name="line"/> is then empty. The span is
    /// valid until the next call.
    /// </summary>
    public bool ReadLine(out ReadOnlySpan<byte> line, out bool tooLong)
    {
        tooLong = false;
        var searchFrom = _start;
        while (true)
        {
            var newline = FindLineEnd(_buffer.AsSpan(searchFrom, _end - searchFrom));
            if (newline >= 0)
            {
                var lineEnd = searchFrom + newline;
                line = Trim(_buffer.AsSpan(_start, lineEnd - _start));
                _start = lineEnd + 1;
                return Accept(ref line, ref tooLong);
            }

            searchFrom = _end;
            if (_endOfStream)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }

                line = Trim(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                return Accept(ref line, ref tooLong);
            }

            if (_end - _start > _maxLineBytes)
            {
                SkipRestOfLine();
                line = default;
                tooLong = true;
                _firstLine = false;
                _csv = CsvState.FieldStart;
                return true;
            }

            MakeRoom(ref searchFrom);
            Fill();
        }
    }

    private enum CsvState
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    /// <summary>Index of the LF that ends the current line or record in <paramref name="bytes"/>, or -1, carrying the CSV state on.</summary>
    private int FindLineEnd(ReadOnlySpan<byte> bytes)
    {
        if (!_quoteAware)
        {
            return bytes.IndexOf((byte)'\n');
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            switch (_csv)
            {
                case CsvState.Quoted:
                    // Everything up to the next quote is field content, line breaks included.
                    var quote = bytes[i..].IndexOf((byte)'"');
                    if (quote < 0)
                    {
                        return -1;
                    }

                    i += quote;
                    _csv = CsvState.QuoteInQuoted;
                    break;
                case CsvState.QuoteInQuoted when b == (byte)'"':
                    _csv = CsvState.Quoted;
                    break;
                case CsvState.FieldStart when b == (byte)'"':
                    _csv = CsvState.Quoted;
                    break;
                default:
                    if (b == (byte)'\n')
                    {
                        return i;
                    }

                    _csv = b == (byte)',' ? CsvState.FieldStart : CsvState.Unquoted;
                    break;
            }
        }

        return -1;
    }

    private bool Accept(ref ReadOnlySpan<byte> line, ref bool tooLong)
    {
        _firstLine = false;
        _csv = CsvState.FieldStart;
        if (line.Length > _maxLineBytes)
        {
            line = default;
            tooLong = true;
        }

        return true;
    }

    private ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> line)
    {
        if (_firstLine && line.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            line = line[3..];
        }

        return line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;
    }

    private void MakeRoom(ref int searchFrom)
    {
        if (_start > 0)
        {
            var pending = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            searchFrom -= _start;
            _start = 0;
            _end = pending;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, _bufferLimit));
        }
    }

    private void Fill()
    {
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
            return;
        }

        _hash?.AppendData(_buffer, _end, read);
        _end += read;
    }

    /// <summary>Discards bytes up to and including the next LF without buffering them.</summary>
    private void SkipRestOfLine()
    {
        while (true)
        {
            _start = 0;
            _end = 0;
            Fill();
            if (_endOfStream)
            {
                return;
            }

            var newline = FindLineEnd(_buffer.AsSpan(0, _end));
            if (newline >= 0)
            {
                _start = newline + 1;
                return;
            }
        }
    }
}
