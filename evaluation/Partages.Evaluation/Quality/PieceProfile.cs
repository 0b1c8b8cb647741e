namespace Partages.Evaluation.Quality;

/// <summary>What a bundle's tokenizer makes of one report: all its pieces, and the unknown ones among the first window's.</summary>
/// <param name="Pieces">The report's pieces, special tokens excluded.</param>
/// <param name="UnknownInWindow">Pieces that are the tokenizer's unknown token (WordPiece <c>[UNK]</c>, SentencePiece <c>&lt;unk&gt;</c>) among its first <see cref="PieceProfile.Window"/> pieces.</param>
public readonly record struct PieceCount(int Pieces, int UnknownInWindow);

/// <summary>
/// A dataset seen through a model bundle's tokenizer (<c>qc --model</c>, or a <c>dataset_qc</c> evaluation submitted
/// with a bundle; docs/data-quality.md, "Given a bundle"): report lengths in pieces on the same power-of-two bins as
/// characters and words, the reports longer than the model's window (truncated, or cut into several windows), and
/// the unknown-piece rate. Unknown pieces are counted among each report's first <see cref="Window"/> pieces only, so
/// that one report weighs at most one window in that rate (what bounds its sensitivity when it is released).
/// </summary>
public sealed class PieceProfile
{
    private readonly Func<string, PieceCount> _count;

    /// <param name="count">The bundle's tokenizer: a report's pieces and its unknown pieces in the first window.</param>
    /// <param name="window">Pieces the model reads in one window (its <c>max_length</c> minus the two framing tokens).</param>
    /// <param name="unknownToken">The tokenizer's unknown token, as printed (e.g. <c>[UNK]</c>).</param>
    public PieceProfile(Func<string, PieceCount> count, int window, string unknownToken)
    {
        ArgumentNullException.ThrowIfNull(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        (_count, Window, UnknownToken) = (count, window, unknownToken);
    }

    public int Window { get; }

    public string UnknownToken { get; }

    /// <summary>Reports per power-of-two bin of their length in pieces.</summary>
    public LengthHistogram Pieces { get; } = new();

    /// <summary>Reports with more pieces than <see cref="Window"/>.</summary>
    public long LongerThanWindow { get; private set; }

    /// <summary>Pieces read for the unknown-piece rate: each report's first <see cref="Window"/> at most.</summary>
    public long PiecesInWindow { get; private set; }

    /// <summary>Unknown pieces among <see cref="PiecesInWindow"/>.</summary>
    public long UnknownInWindow { get; private set; }

    /// <summary>Reports with at least one unknown piece in their first window (local report only).</summary>
    public long ReportsWithUnknown { get; private set; }

    /// <summary>Unknown pieces per piece read; null (not estimable) when no piece was read.</summary>
    public double? UnknownRate => PiecesInWindow > 0 ? (double)UnknownInWindow / PiecesInWindow : null;

    /// <summary>Tokenizes one report and counts it; returns what was counted (the federated counter adds the same).</summary>
    public PieceCount Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = _count(text);
        if (count.Pieces < 0 || count.UnknownInWindow < 0 || count.UnknownInWindow > Math.Min(count.Pieces, Window))
        {
            throw new InvalidOperationException($"The tokenizer counted {count.UnknownInWindow} unknown pieces among {count.Pieces} (window {Window}).");
        }

        Pieces.Add(count.Pieces);
        LongerThanWindow += count.Pieces > Window ? 1 : 0;
        PiecesInWindow += Math.Min(count.Pieces, Window);
        UnknownInWindow += count.UnknownInWindow;
        ReportsWithUnknown += count.UnknownInWindow > 0 ? 1 : 0;
        return count;
    }
}
