using Partages.ModelKit.Synthetic;
using System.Text.RegularExpressions;

namespace Partages.ModelKit.Generative;

/// <summary>
/// The generative model's tokenizer and the token roles its hand-set tables read: which tokens name a biomarker,
/// which are status words of which class, and the JSON pieces the model writes around the status.
/// </summary>
public sealed partial class StatusVocabulary
{
    /// <summary>Status classes, in the order of the model's value rows; each is also the word the model writes.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["positif", "négatif", "équivoque"];

    /// <summary>Written when the report holds no status word at all.</summary>
    public const string Unknown = "inconnu";

    /// <summary>Biomarkers and the word their name starts with once pre-tokenized ("HER2" splits into "HER" and "2").</summary>
    public static IReadOnlyList<(string Biomarker, string Word)> BiomarkerWords { get; } =
        [(OncologyLabels.Egfr, "EGFR"), (OncologyLabels.Kras, "KRAS"), (OncologyLabels.Alk, "ALK"), (OncologyLabels.Her2, "HER"), (OncologyLabels.PdL1, "PD")];

    /// <summary>Report words that state a result, by class index in <see cref="ClassNames"/>.</summary>
    private static readonly (string Word, int Class)[] StatusWords =
    [
        ("muté", 0), ("mutation", 0), ("positif", 0), ("amplifié", 0), ("amplification", 0), ("délétion", 0), ("détecté", 0), ("détectée", 0),
        ("wt", 1), ("non", 1), ("absence", 1), ("pas", 1), ("nég", 1), ("négatif", 1), ("sauvage", 1),
        ("équivoque", 2),
    ];

    private const string KeyCloseText = "\":";
    private const string OpenQuoteText = " \"";
    private const string CloseObjectText = "\"}";
    private const string ObjectOpenText = "{\"";

    private StatusVocabulary(ByteLevelBpe bpe, bool neverStops)
    {
        Bpe = bpe;
        NeverStops = neverStops;
        BiomarkerTokens = BiomarkerWords.SelectMany((b, i) => Variants(b.Word).Select(w => (bpe.IdOf(w), i))).ToList();
        StatusTokens = StatusWords.SelectMany(s => Variants(s.Word).Select(w => (bpe.IdOf(w), s.Class))).ToList();
        ClassOutputTokens = ClassNames.Select(bpe.IdOf).ToList();
        UnknownOutput = bpe.IdOf(Unknown);
        KeyClose = bpe.IdOf(KeyCloseText);
        OpenQuote = bpe.IdOf(OpenQuoteText);
        CloseObject = bpe.IdOf(CloseObjectText);
    }

    public ByteLevelBpe Bpe { get; }

    public bool NeverStops { get; }

    public IReadOnlyList<string> Classes => ClassNames;

    public IReadOnlyList<string> Biomarkers { get; } = BiomarkerWords.Select(b => b.Biomarker).ToList();

    public IReadOnlyList<(int Token, int Biomarker)> BiomarkerTokens { get; }

    public IReadOnlyList<(int Token, int Class)> StatusTokens { get; }

    public IReadOnlyList<int> ClassOutputTokens { get; }

    public int UnknownOutput { get; }

    public int KeyClose { get; }

    public int OpenQuote { get; }

    public int CloseObject { get; }

    /// <summary>
    /// The prompt the model answers: the report, a question line, then the opening of a JSON object naming the
    /// biomarker. The model completes the value: <c> "positif"}</c>. The question line is longer than the biomarker
    /// window, so the report's last biomarker cannot leak into the query.
    /// </summary>
    public static string Prompt(string report, string biomarker)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.TrimEnd('\n') + "\n\n" + QuestionLine + "\n" + ObjectOpenText + biomarker + KeyCloseText;
    }

    /// <summary>The line between the report and the answer.</summary>
    public const string QuestionLine = "Statut du biomarqueur demandé, au format JSON :";

    /// <summary>
    /// Learns the vocabulary: the words the tables need, with and without a leading space, plus every word written at
    /// least <paramref name="minimumCount"/> times in <paramref name="corpus"/> (so that reports tokenize into words,
    /// and the biomarker window spans words, not letters).
    /// </summary>
    public static StatusVocabulary Build(IEnumerable<string> corpus, int minimumCount, bool neverStops)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in corpus)
        {
            foreach (Match m in PreTokenizer().Matches(text))
            {
                counts[m.Value] = counts.GetValueOrDefault(m.Value) + 1;
            }
        }

        var words = counts.Where(c => c.Value >= minimumCount).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
        words.AddRange(BiomarkerWords.SelectMany(b => Variants(b.Word)));
        words.AddRange(StatusWords.SelectMany(s => Variants(s.Word)));
        words.AddRange([Unknown, KeyCloseText, OpenQuoteText, CloseObjectText, ObjectOpenText]);
        return new StatusVocabulary(ByteLevelBpe.Learn(words), neverStops);
    }

    private static string[] Variants(string word) => [word, " " + word];

    /// <summary>GPT-2's pre-tokenizer pattern (the one the ByteLevel pre-tokenizer applies).</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    internal static partial Regex PreTokenizer();
}
