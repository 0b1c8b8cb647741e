namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Converts entity offsets counted in Unicode code points (as Python, brat and most NER corpora count them) into
/// UTF-16 indices of a .NET string. They differ only past a character outside the Basic Multilingual Plane (an
/// emoji counts 1 in Python, 2 in .NET), so a text without surrogates is converted for free.
/// </summary>
internal readonly struct CodePointOffsets
{
    private readonly string _text;
    // UTF-16 index of each code point, plus the text's length at the end; null when the two counts agree.
    private readonly int[]? _utf16Index;

    public CodePointOffsets(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _text = text;
        _utf16Index = null;
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return;
        }

        var indices = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            indices.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }

        indices.Add(text.Length);
        _utf16Index = [.. indices];
    }

    /// <summary>Code points in the text.</summary>
    public int Length => _utf16Index is null ? _text.Length : _utf16Index.Length - 1;

    /// <summary>The code point offset of UTF-16 index <paramref name="utf16"/> (a boundary between code points), the inverse of <see cref="TryToUtf16"/>.</summary>
    public int ToCodePoint(int utf16)
    {
        if (_utf16Index is null)
        {
            return utf16;
        }

        var found = Array.BinarySearch(_utf16Index, utf16);
        // Inside a surrogate pair (never a span edge the engine makes): the pair's code point.
        return found >= 0 ? found : ~found - 1;
    }

    /// <returns>False unless <c>0 &lt;= start &lt; end &lt;= Length</c>: an empty or reversed span is as unusable as one past the text.</returns>
    public bool TryToUtf16(long start, long end, out int from, out int to)
    {
        from = to = 0;
        if (start < 0 || end > Length || start >= end)
        {
            return false;
        }

        from = _utf16Index is null ? (int)start : _utf16Index[start];
        to = _utf16Index is null ? (int)end : _utf16Index[end];
        return true;
    }
}

internal static class EntitySpans
{
    /// <summary>Sorts the spans by start then end, in place.</summary>
    /// <returns>True when two spans share at least one character (identical spans included).</returns>
    public static bool SortAndFindOverlap(EntitySpan[] spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        Array.Sort(spans, static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.End.CompareTo(b.End));
        for (var i = 1; i < spans.Length; i++)
        {
            if (spans[i].Start < spans[i - 1].End)
            {
                return true;
            }
        }

        return false;
    }
}
