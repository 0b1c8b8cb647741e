using System.Globalization;

namespace Partages.Coordinator.Dashboard.Charts;

/// <summary>Colours for charts: the Okabe–Ito palette (told apart with colour-vision deficiencies) and contrast-checked text on fills.</summary>
public static class Palette
{
    public static readonly string[] Series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7A5C00", "#56B4E9", "#000000"];

    /// <summary>Dash patterns paired with <see cref="Series"/>, so curves differ by more than colour.</summary>
    public static readonly string[] Dashes = ["", "10 5", "3 4", "12 4 3 4", "6 3", "2 2", "14 6"];

    /// <summary>A blend from white (0) to the deep blue of the theme (1).</summary>
    public static string Scale(double fraction)
    {
        var t = Math.Clamp(fraction, 0, 1);
        var (r, g, b) = (Lerp(255, 0x1B, t), Lerp(255, 0x4D, t), Lerp(255, 0x7A, t));
        return string.Create(CultureInfo.InvariantCulture, $"#{r:X2}{g:X2}{b:X2}");
    }

    /// <summary>Black or white, whichever contrasts more with <paramref name="hex"/> (WCAG relative luminance).</summary>
    public static string TextOn(string hex)
    {
        var l = Luminance(hex);
        var onWhiteText = (1.05) / (l + 0.05);
        var onDarkText = (l + 0.05) / 0.05;
        return onWhiteText >= onDarkText ? "#FFFFFF" : "#111111";
    }

    private static int Lerp(int from, int to, double t) => (int)Math.Round(from + (to - from) * t);

    private static double Luminance(string hex)
    {
        static double Channel(int v)
        {
            var c = v / 255.0;
            return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }

        var r = int.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var g = int.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var b = int.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return 0.2126 * Channel(r) + 0.7152 * Channel(g) + 0.0722 * Channel(b);
    }
}
