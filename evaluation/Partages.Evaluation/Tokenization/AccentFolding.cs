namespace Partages.Evaluation.Tokenization;

/// <summary>
/// Removes diacritics from Latin letters with a fixed table, whatever the globalization mode. The model kit
/// (training) and the node engine (inference) both fold through this one table, so their ids agree.
/// </summary>
/// <remarks>
/// <c>BertOptions.RemoveNonSpacingMarks</c> decomposes text with <c>string.Normalize(FormD)</c> before
/// dropping the marks; with <c>InvariantGlobalization</c> (set for every project in the root
/// Directory.Build.props) that call returns its input unchanged, so "céfotaxime" would keep its "é".
/// Folding here first gives the same ids in both globalization modes. The table is the result of
/// FormD-then-drop-marks (computed once with ICU) over U+00C0–U+017F, which covers French; letters
/// without a decomposition (œ, æ, ø, ß, ł) are kept, exactly as ICU would keep them.
/// </remarks>
public static class AccentFolding
{
    private const string Accented =
        "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž";

    private const string Folded =
        "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZz";

    private const char First = '\u00C0';
    private const char Last = '\u017F';

    private static readonly char[] s_map = BuildMap();

    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var index = text.AsSpan().IndexOfAnyInRange(First, Last);
        if (index < 0)
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= First and <= Last ? s_map[c - First] : c;
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
