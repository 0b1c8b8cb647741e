namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// Removes diacritics from Latin letters with a fixed table, whatever the process's globalization mode.
/// </summary>
/// <remarks>
/// <c>BertOptions.RemoveNonSpacingMarks</c> decomposes text with <c>string.Normalize(FormD)</c> before dropping
/// the marks, and under <c>InvariantGlobalization</c> (on for every Partages process) that call returns its input
/// unchanged: "résistante" would keep its "é" and miss the vocabulary. The table is FormD-then-drop-marks over
/// U+00C0–U+017F (computed once with ICU), which covers French; letters without a decomposition (œ, æ, ø, ß, ł)
/// are kept, as ICU keeps them. It must stay identical to <c>Partages.ModelKit.Training.AccentFolding</c>, which
/// the demo model was trained through: the engine tests compare the two over every UTF-16 code unit.
/// </remarks>
internal static class AccentFolding
{
    private const string Accented =
        "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž";

    private const string Folded =
        "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZz";

    private const char First = '\u00C0';
    private const char Last = '\u017F';

    private static readonly char[] Map = BuildMap();

    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAnyInRange(First, Last) < 0)
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= First and <= Last ? Map[c - First] : c;
            }
        });
    }

    private static char[] BuildMap()
    {
        var map = new char[Last - First + 1];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = (char)(First + i);
        }

        for (var i = 0; i < Accented.Length; i++)
        {
            map[Accented[i] - First] = Folded[i];
        }

        return map;
    }
}
