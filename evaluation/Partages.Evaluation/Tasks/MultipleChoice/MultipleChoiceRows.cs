using System.Globalization;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.MultipleChoice;

/// <summary>One line of the multiple-choice table: a site or the pool, its figures as the CLI and the dashboard print them.</summary>
/// <param name="Site">A site's name, or <see cref="MultipleChoiceRows.Pooled"/>.</param>
public sealed record MultipleChoiceRow(string Site, MultipleChoiceSection Section)
{
    public string Questions => Section.Questions.ToString(CultureInfo.InvariantCulture);

    public string ExactMatchRatio => MultipleChoiceRows.WithInterval(Section.ExactMatchRatio, Section.ExactMatchRatioInterval);

    public string HammingScore => MultipleChoiceRows.WithInterval(Section.HammingScore, Section.HammingScoreInterval);

    public string InvalidRate => MultipleChoiceRows.WithInterval(Section.InvalidRate, Section.InvalidRateInterval);

    public string Truncated => Section.Truncated.ToString(CultureInfo.InvariantCulture);

    /// <summary>The outcomes that occurred (or, under noise, came out non-zero), <c>kind count</c>.</summary>
    public string Outputs => string.Join(", ", Section.Outputs.Where(o => o.Value != 0).Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value}")));
}

/// <summary>
/// The table every client shows for a multiple-choice result (CLI table, Markdown and CSV, dashboard): each site in
/// name order, then the pool; the exact match ratio, the Hamming score and the invalid-answer rate with their 95 %
/// intervals; "not estimable" when a figure has no denominator.
/// </summary>
public static class MultipleChoiceRows
{
    public const string Pooled = "pooled";

    public static IReadOnlyList<string> Headings { get; } = ["site", "questions", "exact match ratio [95% CI]", "Hamming score [95% CI]", "invalid rate [95% CI]", "truncated", "outputs by kind"];

    /// <summary>The rows of <paramref name="result"/>; empty when it is not a multiple-choice result.</summary>
    public static IReadOnlyList<MultipleChoiceRow> From(PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = result.PerSite.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Where(s => s.Value.MultipleChoice is not null)
            .Select(s => new MultipleChoiceRow(s.Key, s.Value.MultipleChoice!))
            .ToList();
        if (result.Pooled?.MultipleChoice is { } pooled)
        {
            rows.Add(new MultipleChoiceRow(Pooled, pooled));
        }

        return rows;
    }

    /// <summary><c>0.550 [0.425, 0.669]</c>; the figure alone without an interval; "not estimable" without a figure.</summary>
    public static string WithInterval(double? value, Interval? interval) =>
        value is not { } v ? "not estimable"
            : interval is { } ci ? string.Create(CultureInfo.InvariantCulture, $"{v:0.000} [{ci.CiLow:0.000}, {ci.CiHigh:0.000}]")
            : v.ToString("0.000", CultureInfo.InvariantCulture);
}
