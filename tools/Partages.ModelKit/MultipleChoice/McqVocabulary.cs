using Partages.ModelKit.Generative;

namespace Partages.ModelKit.MultipleChoice;

/// <summary>
/// The multiple-choice model's tokenizer and the token roles its hand-set tables read: option letters, the answer's
/// JSON pieces, each target's cue word and the drugs the model associates with each target.
/// </summary>
public sealed class McqVocabulary
{
    /// <summary>The kit's prompt: the question, its options one a line (<c>A. osimertinib</c>), then the answer line; the answer opens with <see cref="OpenAnswer"/>.</summary>
    public const string PromptTemplate = "Question : {{question}}\n{{options}}\nRéponse(s) exacte(s), en liste JSON :\n";

    /// <summary>The answer's opening, written into the prompt (the bundle's output prefix): the model writes the letters from there.</summary>
    public const string OpenAnswer = "[\"";

    public const string NextLetter = "\",";
    public const string SpaceQuote = " \"";
    public const string CloseAnswer = "\"]";

    private McqVocabulary(ByteLevelBpe bpe)
    {
        Bpe = bpe;
        LetterTokens = [.. McqCatalogue.Letters.Select(bpe.IdOf)];
        Open = bpe.IdOf(OpenAnswer);
        Next = bpe.IdOf(NextLetter);
        Space = bpe.IdOf(SpaceQuote);
        Close = bpe.IdOf(CloseAnswer);
        CueTokens = [.. McqCatalogue.Concepts.SelectMany((c, k) => Variants(c.Cue).Select(w => (bpe.IdOf(w), k)))];
        KnownTokens = [.. McqCatalogue.Concepts.SelectMany((c, k) => c.ModelKnows.SelectMany(d => Variants(d).Select(w => (bpe.IdOf(w), k))))];
    }

    public ByteLevelBpe Bpe { get; }

    public IReadOnlyList<int> LetterTokens { get; }

    public int Open { get; }

    public int Next { get; }

    public int Space { get; }

    public int Close { get; }

    /// <summary>Each target's cue word (with and without a leading space) and the target's index.</summary>
    public IReadOnlyList<(int Token, int Concept)> CueTokens { get; }

    /// <summary>Each drug the model associates with a target, and that target's index (a drug may be listed under two).</summary>
    public IReadOnlyList<(int Token, int Concept)> KnownTokens { get; }

    public int Concepts => McqCatalogue.Concepts.Count;

    /// <summary>Every word of the catalogue's questions, options and the prompt a single token, plus the answer's JSON pieces.</summary>
    public static McqVocabulary Build()
    {
        var texts = new List<string> { PromptTemplate.Replace("{{question}}", "").Replace("{{options}}", "") };
        foreach (var concept in McqCatalogue.Concepts)
        {
            texts.Add(McqCatalogue.Ask(concept, negated: false));
            texts.Add(McqCatalogue.Ask(concept, negated: true));
        }

        var words = texts.SelectMany(t => StatusVocabulary.PreTokenizer().Matches(t).Select(m => m.Value)).ToList();
        var drugs = McqCatalogue.Concepts.SelectMany(c => c.Correct.Concat(c.ModelKnows)).Concat(McqCatalogue.OncologyDistractors).Concat(McqCatalogue.AmrDistractors);
        words.AddRange(drugs.Concat(McqCatalogue.Concepts.Select(c => c.Cue)).SelectMany(Variants));
        words.AddRange([OpenAnswer, NextLetter, SpaceQuote, CloseAnswer]);
        return new McqVocabulary(ByteLevelBpe.Learn(words));
    }

    private static string[] Variants(string word) => [word, " " + word];
}
