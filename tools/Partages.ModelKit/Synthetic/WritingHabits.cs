using Partages.Evaluation.Robustness;

namespace Partages.ModelKit.Synthetic;

/// <summary>
/// How one fictional hospital's staff and software write beyond its <see cref="ReportStyle"/>: a share of its reports
/// without accents (an old export that folds to ASCII), in capitals (a system that prints reports upper case), or with
/// the common abbreviations (docs/data-quality.md's table, contracted). Kept modest so the demo's figures stay those of
/// the model, while the QC comparison and the robustness suites have real differences between sites to show. Applied
/// after generation with the robustness library's own perturbations, so gold spans follow the words they cover.
/// </summary>
public sealed record WritingHabits
{
    public static WritingHabits None { get; } = new();

    /// <summary>Share of reports written without accents.</summary>
    public double DropsAccents { get; init; }

    /// <summary>Share of reports written in capitals.</summary>
    public double UpperCase { get; init; }

    /// <summary>Share of reports with the abbreviation table's long forms contracted.</summary>
    public double Abbreviates { get; init; }

    /// <summary>The reports as the hospital writes them: each habit drawn per report from its own stream (the reports' own draws are unchanged).</summary>
    public IReadOnlyList<AmrReport> Apply(IReadOnlyList<AmrReport> reports, HospitalProfile profile, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(profile);
        var random = profile.Stream(seed, "habits/amr");
        return [.. reports.Select(report => report with { Text = Rewrite(report.Text, report.Id, Draw(random), seed).Text })];
    }

    /// <summary>As <see cref="Apply(IReadOnlyList{AmrReport}, HospitalProfile, ulong)"/>, the gold entities carried to the new offsets.</summary>
    public IReadOnlyList<OncologyReport> Apply(IReadOnlyList<OncologyReport> reports, HospitalProfile profile, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(profile);
        var random = profile.Stream(seed, "habits/oncology");
        var rewritten = new List<OncologyReport>(reports.Count);
        foreach (var report in reports)
        {
            var (text, map) = Rewrite(report.Text, report.Id, Draw(random), seed);
            rewritten.Add(report with { Text = text, Entities = [.. report.Entities.Select(e => map(e)).OfType<EntitySpan>()] });
        }

        return rewritten;
    }

    private IReadOnlyList<Perturbation> Draw(DeterministicRandom random)
    {
        // Three draws per report whatever the shares, so one habit's share never shifts another's draws.
        var (accents, upper, abbreviations) = (random.Chance(DropsAccents), random.Chance(UpperCase), random.Chance(Abbreviates));
        var habits = new List<Perturbation>();
        if (abbreviations)
        {
            habits.Add(new Abbreviations(contract: true));
        }

        if (accents)
        {
            habits.Add(new RemoveAccents());
        }

        if (upper)
        {
            habits.Add(new ChangeCase(upper: true));
        }

        return habits;
    }

    /// <summary>The text after each habit in turn, and the map of a span through all of them (null when it is gone).</summary>
    private static (string Text, Func<EntitySpan, EntitySpan?> Map) Rewrite(string text, string id, IReadOnlyList<Perturbation> habits, ulong seed)
    {
        Func<EntitySpan, EntitySpan?> map = span => span;
        foreach (var habit in habits)
        {
            var perturbed = habit.Apply(text, unchecked((long)seed), id);
            var previous = map;
            // The generated texts hold no surrogate pairs: code-point offsets are UTF-16 offsets.
            map = span => previous(span) is { } moved && perturbed.MapSpan(moved.Start, moved.End) is { } mapped
                ? moved with { Start = mapped.Start, End = mapped.End }
                : null;
            text = perturbed.Text;
        }

        return (text, map);
    }
}
