using System.Text;

namespace Partages.Evaluation.Robustness;

/// <summary>
/// A report after a perturbation, with the map from the original's code-point offsets to the new text's, so
/// that gold spans (code-point offsets, end exclusive, as the datasets give them) follow the words they cover.
/// </summary>
public sealed class PerturbedText
{
    private readonly int[] _offsets;

    internal PerturbedText(string text, int[] offsets)
    {
        Text = text;
        _offsets = offsets;
    }

    public string Text { get; }

    /// <summary>Whether the perturbation changed anything. A report it cannot apply to (no accent to remove,
    /// nothing to truncate) is counted as such by the caller, never dropped.</summary>
    public bool Changed { get; init; }

    /// <summary>Where the original's code point <paramref name="offset"/> starts in the new text (the original's
    /// length maps to the new length). A deleted code point maps to where its successor starts.</summary>
    public int MapOffset(int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, _offsets.Length);
        return _offsets[offset];
    }

    /// <summary>
    /// The span [start, end) of the original in the new text, or null when nothing of it is left (its words
    /// were deleted or truncated away): the caller counts such a span as lost, it does not vanish silently.
    /// </summary>
    public (int Start, int End)? MapSpan(int start, int end)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, end);
        var (newStart, newEnd) = (MapOffset(start), MapOffset(end));
        return newEnd > newStart ? (newStart, newEnd) : null;
    }
}

/// <summary>Builds a <see cref="PerturbedText"/> code point by code point, recording where each source code
/// point starts in the output. Perturbations call <see cref="Source"/> for every source index, in order.</summary>
internal sealed class TextEditor
{
    private readonly StringBuilder _output = new();
    private readonly int[] _offsets;
    private int _outputCodePoints;

    public TextEditor(int sourceLength) => _offsets = new int[sourceLength + 1];

    /// <summary>Source code point <paramref name="index"/> starts here in the output.</summary>
    public void Source(int index) => _offsets[index] = _outputCodePoints;

    public void Emit(int codePoint)
    {
        _output.Append(char.ConvertFromUtf32(codePoint));
        _outputCodePoints++;
    }

    public void Emit(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            Emit(rune.Value);
        }
    }

    public PerturbedText Finish(string original)
    {
        _offsets[^1] = _outputCodePoints;
        var text = _output.ToString();
        return new PerturbedText(text, _offsets) { Changed = !string.Equals(text, original, StringComparison.Ordinal) };
    }

    /// <summary>The text's code points (the datasets' offsets count code points, not UTF-16 units).</summary>
    public static int[] CodePoints(string text) => text.EnumerateRunes().Select(rune => rune.Value).ToArray();
}
