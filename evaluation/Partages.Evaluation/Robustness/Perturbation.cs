namespace Partages.Evaluation.Robustness;

/// <summary>
/// One way of rewriting a report that a robustness suite applies before inference: how a model's figures move
/// when reports are written the way another hospital's software and habits write them. Deterministic: the same
/// seed, report id and text give the same output on every machine (<see cref="DocumentRandom"/>).
/// </summary>
public abstract class Perturbation
{
    /// <summary>The spec's name of the kind, e.g. <c>typos</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The kind with its parameters, as the results and the reproducibility manifest name it.</summary>
    public virtual string Name => Kind;

    public PerturbedText Apply(string text, long seed, string documentId)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(documentId);
        var source = TextEditor.CodePoints(text);
        var editor = new TextEditor(source.Length);
        Edit(source, editor, new DocumentRandom(seed, Name, documentId));
        return editor.Finish(text);
    }

    /// <summary>Writes the perturbed text, calling <see cref="TextEditor.Source"/> once per source index in order.</summary>
    private protected abstract void Edit(int[] source, TextEditor editor, DocumentRandom random);

    private protected static bool IsLetter(int codePoint) => System.Text.Rune.IsLetter(new System.Text.Rune(codePoint));

    private protected static bool IsWhiteSpace(int codePoint) => System.Text.Rune.IsWhiteSpace(new System.Text.Rune(codePoint));
}

/// <summary>Accents removed with the engine's own folding table, and combining marks (NFD text) dropped.</summary>
public sealed class RemoveAccents : Perturbation
{
    public override string Kind => "remove_accents";

    private protected override void Edit(int[] source, TextEditor editor, DocumentRandom random)
    {
        for (var i = 0; i < source.Length; i++)
        {
            editor.Source(i);
            var codePoint = source[i];
            if (codePoint is >= 0x0300 and <= 0x036F)
            {
                continue;
            }

            editor.Emit(codePoint <= char.MaxValue
                ? Tokenization.AccentFolding.Fold(((char)codePoint).ToString())
                : char.ConvertFromUtf32(codePoint));
        }
    }
}

/// <summary>The whole report in upper or lower case (one code point for one: offsets do not move).</summary>
public sealed class ChangeCase(bool upper) : Perturbation
{
    public override string Kind => "case";

    public override string Name => upper ? "case(upper)" : "case(lower)";

    private protected override void Edit(int[] source, TextEditor editor, DocumentRandom random)
    {
        for (var i = 0; i < source.Length; i++)
        {
            editor.Source(i);
            var rune = new System.Text.Rune(source[i]);
            editor.Emit((upper ? System.Text.Rune.ToUpperInvariant(rune) : System.Text.Rune.ToLowerInvariant(rune)).Value);
        }
    }
}

/// <summary>
/// Character-level typos: each letter, with probability <c>rate</c>, is replaced by a random letter of the same
/// case, deleted, doubled, or swapped with the next letter (one of the four, equally likely; a swap with no
/// letter after it becomes a replacement).
/// </summary>
public sealed class Typos(double rate) : Perturbation
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";

    public override string Kind => "typos";

    public override string Name => FormattableString.Invariant($"typos(rate={rate})");

    private protected override void Edit(int[] source, TextEditor editor, DocumentRandom random)
    {
        for (var i = 0; i < source.Length; i++)
        {
            editor.Source(i);
            var codePoint = source[i];
            if (!IsLetter(codePoint) || random.NextDouble() >= rate)
            {
                editor.Emit(codePoint);
                continue;
            }

            var operation = random.Next(4);
            if (operation == 3 && i + 1 < source.Length && IsLetter(source[i + 1]))
            {
                editor.Emit(source[i + 1]);
                editor.Source(i + 1);
                editor.Emit(codePoint);
                i++;
            }
            else if (operation == 1)
            {
                // Deleted: the next code point starts where this one would have.
            }
            else if (operation == 2)
            {
                editor.Emit(codePoint);
                editor.Emit(codePoint);
            }
            else
            {
                var letter = Letters[random.Next(Letters.Length)];
                editor.Emit(System.Text.Rune.IsUpper(new System.Text.Rune(codePoint)) ? char.ToUpperInvariant(letter) : letter);
            }
        }
    }
}

/// <summary>Every line break (CRLF, LF or CR) becomes one space: reports exported by software that flattens lines.</summary>
public sealed class JoinLines : Perturbation
{
    public override string Kind => "join_lines";

    private protected override void Edit(int[] source, TextEditor editor, DocumentRandom random)
    {
        for (var i = 0; i < source.Length; i++)
        {
            editor.Source(i);
            if (source[i] == '\r' && i + 1 < source.Length && source[i + 1] == '\n')
            {
                editor.Emit(' ');
                editor.Source(++i);
            }
            else
            {
                editor.Emit(source[i] is '\r' or '\n' ? ' ' : source[i]);
            }
        }
    }
}

/// <summary>Each space doubled with probability <c>rate</c>.</summary>
public sealed class ExtraSpaces(double rate) : Perturbation
{
    public override string Kind => "extra_spaces";

    public override string Name => FormattableString.Invariant($"extra_spaces(rate={rate})");

    private protected override void Edit(int[] source, TextEditor editor, DocumentRandom random)
    {
        for (var i = 0; i < source.Length; i++)
        {
            editor.Source(i);
            editor.Emit(source[i]);
            if (source[i] == ' ' && random.NextDouble() < rate)
            {
                editor.Emit(' ');
            }
        }
    }
}

/// <summary>The report cut after its first <c>words</c> words (a word: a run of non-space code points); gold
/// spans beyond the cut are lost and counted, a span across it is clipped.</summary>
public sealed class Truncate(int words) : Perturbation
{
    public override string Kind => "truncate";

    public override string Name => FormattableString.Invariant($"truncate(words={words})");

    private protected override void Edit(int[] source, TextEditor editor, DocumentRandom random)
    {
        // The first blank after the last kept word cuts: what follows, blanks included, is dropped.
        var seen = 0;
        var cut = false;
        for (var i = 0; i < source.Length; i++)
        {
            editor.Source(i);
            if (cut || (seen == words && IsWhiteSpace(source[i])))
            {
                cut = true;
                continue;
            }

            if (!IsWhiteSpace(source[i]) && (i == 0 || IsWhiteSpace(source[i - 1])))
            {
                seen++;
            }

            editor.Emit(source[i]);
        }
    }
}
