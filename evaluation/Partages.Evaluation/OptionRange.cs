namespace Partages.Evaluation;

/// <summary>
/// The one form in which an options validator that lists every error (engine options, the model kit's and the
/// benchmarks' settings) reports a whole number outside its range: <c>name: value is outside min..max</c>.
/// </summary>
public static class OptionRange
{
    /// <summary>Adds the error to <paramref name="errors"/> when <paramref name="value"/> is outside [min, max]; <paramref name="note"/> follows it, e.g. what the bound is.</summary>
    public static void Check(ICollection<string> errors, string name, long value, long min, long max, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value < min || value > max)
        {
            errors.Add($"{name}: {value} is outside {min}..{max}" + (note is null ? string.Empty : " " + note));
        }
    }
}
