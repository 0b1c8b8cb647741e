namespace Partages.ModelKit.SentencePiece;

/// <summary>
/// What the node engine does to a report before a SentencePiece model reads it
/// (<c>Partages.NodeAgent.Engine.Tokenization.SentencePieceEncoder</c>): tab, line feed and carriage return become
/// spaces, one character for one, as the <c>nmt_nfkc</c> normalization of CamemBERT's model does. The model kit learns
/// and encodes through this, so the bundle's model sees the ids the engine will give it (a test compares them).
/// </summary>
public static class SentencePieceText
{
    public static string Prepare(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny('\t', '\n', '\r') < 0)
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is '\t' or '\n' or '\r' ? ' ' : source[i];
            }
        });
    }
}
