namespace Partages.Evaluation.Tokenization;

/// <summary>One window over a document's pieces: pieces <c>[Start, Start + Count)</c>, framed by [CLS] and [SEP].</summary>
public readonly record struct NerWindow(int Start, int Count);

/// <summary>
/// How entity recognition reads a long report: windows of at most <c>max_length - 2</c> pieces, each starting
/// <c>max_length - 2 - stride</c> pieces after the previous one, the last being the first that reaches the end
/// (Hugging Face's <c>return_overflowing_tokens</c> rule, as the classifier's windows), and, for each piece, the one
/// window whose prediction it takes, so an entity seen by two windows is decoded once.
/// </summary>
public static class NerWindows
{
    /// <param name="stride">Pieces shared by consecutive windows; 0 reads only the first window (the rest is not tagged).</param>
    public static NerWindow[] Layout(int pieces, int maxPieces, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pieces);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPieces, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(stride);
        if (stride >= maxPieces)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), $"A stride of {stride} does not move windows of {maxPieces} pieces forward.");
        }

        if (stride == 0 || pieces <= maxPieces)
        {
            return [new NerWindow(0, Math.Min(pieces, maxPieces))];
        }

        var step = maxPieces - stride;
        var windows = new List<NerWindow>();
        for (var start = 0; ; start += step)
        {
            var count = Math.Min(maxPieces, pieces - start);
            windows.Add(new NerWindow(start, count));
            if (start + count >= pieces)
            {
                return [.. windows];
            }
        }
    }

    /// <summary>
    /// For each piece, the index of the window it takes its prediction from: among the windows holding it, the one where
    /// it is most central (the largest distance to the window's nearer edge), the earlier window on a tie. Every piece
    /// of a window layout has exactly one owner, so nothing is counted twice; -1 for pieces no window reads (past the
    /// first window when the stride is 0).
    /// </summary>
    public static int[] Owners(IReadOnlyList<NerWindow> windows, int pieces)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var owners = new int[pieces];
        var best = new int[pieces];
        Array.Fill(owners, -1);
        Array.Fill(best, -1);
        for (var w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            for (var i = 0; i < window.Count; i++)
            {
                var piece = window.Start + i;
                var centrality = Math.Min(i, window.Count - 1 - i);
                if (centrality > best[piece])
                {
                    best[piece] = centrality;
                    owners[piece] = w;
                }
            }
        }

        return owners;
    }
}
