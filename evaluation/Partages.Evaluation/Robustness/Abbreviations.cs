namespace Partages.Evaluation.Robustness;

/// <summary>
/// Common French clinical abbreviations contracted (long form → abbreviation) or expanded (the reverse), on
/// whole words. Long forms match whatever their case; abbreviations match as written (upper case), since "ir" or
/// "re" in lower case are ordinary words. The table is docs/data-quality.md's; changing it changes what a
/// recorded seed reproduces, so it is versioned with the perturbation's name.
/// </summary>
public sealed class Abbreviations(bool contract) : Perturbation
{
    /// <summary>(long form, abbreviation), longest long forms first so that the longest match wins.</summary>
    public static readonly IReadOnlyList<(string Long, string Short)> Table =
    [
        ("examen cytobactériologique des urines", "ECBU"),
        ("bêta-lactamase à spectre étendu", "BLSE"),
        ("hypertension artérielle", "HTA"),
        ("récepteurs aux œstrogènes", "RE"),
        ("récepteurs à la progestérone", "RP"),
        ("insuffisance rénale", "IR"),
        ("infection urinaire", "IU"),
        ("diabète de type 2", "DT2"),
        ("immunohistochimie", "IHC"),
        ("antibiothérapie", "ATB"),
        ("antécédents", "ATCD"),
        ("traitement", "TTT"),
    ];

    public override string Kind => "abbreviations";

    public override string Name => contract ? "abbreviations(contract, table=1)" : "abbreviations(expand, table=1)";

    private protected override void Edit(int[] source, TextEditor editor, DocumentRandom random)
    {
        var text = string.Concat(source.Select(char.ConvertFromUtf32));
        var utf16Offsets = new int[source.Length + 1];
        for (var i = 0; i < source.Length; i++)
        {
            utf16Offsets[i + 1] = utf16Offsets[i] + (source[i] > char.MaxValue ? 2 : 1);
        }

        for (var i = 0; i < source.Length; i++)
        {
            editor.Source(i);
            var match = AtWordStart(source, i) ? FindMatch(source, text, utf16Offsets[i], i) : null;
            if (match is not { } found)
            {
                editor.Emit(source[i]);
                continue;
            }

            // Every code point of the replaced words maps to the start of the replacement.
            editor.Emit(found.Replacement);
            for (var j = i + 1; j < i + found.Length; j++)
            {
                editor.Source(j);
            }

            i += found.Length - 1;
        }
    }

    private (string Replacement, int Length)? FindMatch(int[] source, string text, int utf16Index, int index)
    {
        foreach (var (longForm, shortForm) in Table)
        {
            var (from, to, comparison) = contract
                ? (longForm, shortForm, StringComparison.OrdinalIgnoreCase)
                : (shortForm, longForm, StringComparison.Ordinal);
            var length = from.EnumerateRunes().Count();
            if (index + length <= source.Length
                && string.Compare(text, utf16Index, from, 0, from.Length, comparison) == 0
                && AtWordEnd(source, index + length))
            {
                return (to, length);
            }
        }

        return null;
    }

    private static bool AtWordStart(int[] source, int index) => index == 0 || !IsWordCharacter(source[index - 1]);

    private static bool AtWordEnd(int[] source, int index) => index == source.Length || !IsWordCharacter(source[index]);

    private static bool IsWordCharacter(int codePoint) =>
        System.Text.Rune.IsLetterOrDigit(new System.Text.Rune(codePoint)) || codePoint == '-';
}
