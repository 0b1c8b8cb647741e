using System.Globalization;
using System.Text;

namespace Partages.Contracts;

/// <summary>
/// Text from outside (a coordinator's names, notes and reasons, a spec an evaluator wrote, a node's answers) made safe
/// to print on a terminal. An ANSI escape can clear the screen, move the cursor or rewrite a line; a carriage return
/// overwrites what was printed; bidi overrides show characters in another order than they are: any of them lets
/// whoever wrote the text fake what an approver or an evaluator reads. Each such character is shown as a visible
/// escape (<c>\x1b</c>, <c>\r</c>, <c>\u202e</c>) instead, so nothing is hidden and nothing is lost. The one helper every
/// command line of the project (node agent, evaluator CLI, coordinator admin) uses where it writes such text.
/// </summary>
public static class TerminalText
{
    /// <summary>One line: every control character is escaped, line breaks and tabs included.</summary>
    public static string Escape(string? text) => Escape(text, keepLineBreaks: false);

    /// <summary>Several lines (a spec, a payload): line feeds and tabs stay, every other control character is escaped.</summary>
    public static string EscapeLines(string? text) => Escape(text, keepLineBreaks: true);

    /// <summary>A writer that escapes what passes through it as <see cref="EscapeLines"/> does: the guard on a whole output.</summary>
    public static TextWriter Guard(TextWriter inner) => inner is GuardedWriter ? inner : new GuardedWriter(inner);

    /// <summary>Whether <paramref name="c"/> must not reach a terminal as it is.</summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c) // C0, DEL and C1 (U+0080-U+009F, where 8-bit CSI lives)
        || c is '\u061c' or '\u200e' or '\u200f' // Arabic letter mark, left-to-right and right-to-left marks
        || c is >= '\u202a' and <= '\u202e' // bidi embeddings and overrides
        || c is >= '\u2066' and <= '\u2069' // bidi isolates
        || c is '\u2028' or '\u2029'; // line and paragraph separators

    private static string Escape(string? text, bool keepLineBreaks)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        if (!text.Any(c => IsUnsafe(c) && !(keepLineBreaks && c is '\n' or '\t')))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (keepLineBreaks && (c is '\n' or '\t' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')))
            {
                // CRLF is a line break written the Windows way, not an overwrite.
                escaped.Append(c);
            }
            else
            {
                Append(escaped, c);
            }
        }

        return escaped.ToString();
    }

    private static void Append(StringBuilder escaped, char c)
    {
        switch (c)
        {
            case '\n':
                escaped.Append("\\n");
                break;
            case '\r':
                escaped.Append("\\r");
                break;
            case '\t':
                escaped.Append("\\t");
                break;
            default:
                if (!IsUnsafe(c))
                {
                    escaped.Append(c);
                }
                else if (c <= '\u00ff')
                {
                    escaped.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                }
                else
                {
                    escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }

                break;
        }
    }

    /// <summary>Escapes every write; a CR held back until the next character shows whether it starts a CRLF.</summary>
    private sealed class GuardedWriter(TextWriter inner) : TextWriter
    {
        private bool _pendingCr;

        public override Encoding Encoding => inner.Encoding;

        public override IFormatProvider FormatProvider => inner.FormatProvider;

        [System.Diagnostics.CodeAnalysis.AllowNull]
        public override string NewLine
        {
            get => inner.NewLine;
            set => inner.NewLine = value;
        }

        public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

        public override void Write(string? value) => Write(value.AsSpan());

        public override void Write(char[] buffer, int index, int count)
        {
            ArgumentNullException.ThrowIfNull(buffer);
            Write(buffer.AsSpan(index, count));
        }

        public override void Flush()
        {
            if (_pendingCr)
            {
                _pendingCr = false;
                inner.Write("\\r");
            }

            inner.Flush();
        }

        public override Task FlushAsync()
        {
            Flush();
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync()
        {
            WriteLine();
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char[] buffer, int index, int count)
        {
            Write(buffer, index, count);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(char[] buffer, int index, int count)
        {
            Write(buffer, index, count);
            WriteLine();
            return Task.CompletedTask;
        }

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            WriteLine();
            return Task.CompletedTask;
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            // One write to the inner writer per call: the console flushes after every write.
            var escaped = new StringBuilder(buffer.Length + 8);
            foreach (var c in buffer)
            {
                if (_pendingCr)
                {
                    _pendingCr = false;
                    escaped.Append(c == '\n' ? "\r" : "\\r");
                }

                if (c == '\r')
                {
                    _pendingCr = true;
                }
                else if (c is '\n' or '\t' || !IsUnsafe(c))
                {
                    escaped.Append(c);
                }
                else
                {
                    Append(escaped, c);
                }
            }

            if (escaped.Length > 0)
            {
                inner.Write(escaped.ToString());
            }
        }

        protected override void Dispose(bool disposing)
        {
            // The inner writer belongs to whoever passed it (the console, a test's StringWriter).
            if (disposing)
            {
                Flush();
            }

            base.Dispose(disposing);
        }
    }
}
