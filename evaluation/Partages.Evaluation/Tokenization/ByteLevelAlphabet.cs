namespace Partages.Evaluation.Tokenization;

/// <summary>
/// GPT-2's reversible map from bytes to printable characters, which byte-level BPE vocabularies are written in
/// (printable Latin-1 stays itself, every other byte moves above U+00FF). The model kit writes the generative model's
/// vocabulary with it and the node engine reads it back, so both hold this one table.
/// </summary>
public static class ByteLevelAlphabet
{
    /// <summary>Each byte's character, as a one-character string.</summary>
    public static IReadOnlyList<string> ByteToChar { get; } = Build();

    private static string[] Build()
    {
        var map = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = ((char)(printable ? b : next++)).ToString();
        }

        return map;
    }
}
