namespace Partages.ModelKit.Synthetic;

/// <summary>
/// A second annotator's gold with controlled disagreement, for inter-annotator agreement and the QC comparison: a share
/// of documents given another label, and a share of entities left out, cut short by their last word, or given the
/// other type. Drawn from its own stream per corpus and hospital, so the first annotator's gold is unchanged. The
/// rates differ by site (a site whose annotators were trained together agrees more), and stay low enough that the
/// agreement figures read as those of clinicians who mostly agree.
/// </summary>
public sealed record SecondAnnotator
{
    /// <summary>Share of documents the second annotator labels otherwise.</summary>
    public double LabelDisagreement { get; init; }

    /// <summary>Share of gold entities the second annotator leaves out.</summary>
    public double EntityMissed { get; init; }

    /// <summary>Share of gold entities whose span the second annotator ends one word earlier (or gives the other type, for a one-word span).</summary>
    public double EntityChanged { get; init; }

    public IReadOnlyList<AmrReport> Annotate(IReadOnlyList<AmrReport> reports, HospitalProfile profile, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(profile);
        var random = profile.Stream(seed, "annotator-b/amr");
        return [.. reports.Select(r => r with { SecondLabel = Label(r.Label, AmrLabels.All, random) })];
    }

    public IReadOnlyList<OncologyReport> Annotate(IReadOnlyList<OncologyReport> reports, HospitalProfile profile, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(profile);
        var random = profile.Stream(seed, "annotator-b/oncology");
        return [.. reports.Select(r => r with
        {
            SecondLabel = Label(r.Label, OncologyLabels.All, random),
            SecondEntities = [.. r.Entities.Select(e => Entity(r.Text, e, random)).OfType<EntitySpan>()],
        })];
    }

    private string Label(string label, IReadOnlyList<string> labels, DeterministicRandom random)
    {
        // Two draws per document whatever the outcome, so the stream stays aligned with the documents.
        var disagrees = random.Chance(LabelDisagreement);
        var other = labels.Where(l => l != label).ToList()[random.Next(labels.Count - 1)];
        return disagrees ? other : label;
    }

    private EntitySpan? Entity(string text, EntitySpan entity, DeterministicRandom random)
    {
        var draw = random.NextDouble();
        if (draw < EntityMissed)
        {
            return null;
        }

        if (draw >= EntityMissed + EntityChanged)
        {
            return entity;
        }

        var lastSpace = text.LastIndexOf(' ', entity.End - 1, entity.End - entity.Start);
        if (lastSpace > entity.Start)
        {
            return entity with { End = lastSpace };
        }

        var other = entity.Label == OncologyLabels.BiomarkerEntity ? OncologyLabels.StatusEntity : OncologyLabels.BiomarkerEntity;
        return entity with { Label = other };
    }
}

/// <summary>
/// One annotator's entities as a brat standoff folder (<c>ID.txt</c> and <c>ID.ann</c> per report), the format the
/// node agent reads (docs/datasets.md); two folders with the two annotators' entities are the double annotation the
/// agreement compares.
/// </summary>
public static class BratFolder
{
    /// <summary>The files of one folder: relative name → bytes, in id order.</summary>
    public static IReadOnlyList<(string Name, byte[] Content)> Files(IEnumerable<OncologyReport> reports, bool secondAnnotator)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var files = new List<(string, byte[])>();
        foreach (var report in reports)
        {
            var entities = secondAnnotator ? report.SecondEntities ?? [] : report.Entities;
            var ann = new System.Text.StringBuilder();
            for (var i = 0; i < entities.Count; i++)
            {
                var e = entities[i];
                // brat keeps the covered text on one line; offsets are code points (the texts hold no surrogate pairs).
                var covered = report.Text[e.Start..e.End].Replace('\n', ' ').Replace('\r', ' ');
                ann.Append(CultureInfo.InvariantCulture, $"T{i + 1}\t{e.Label} {e.Start} {e.End}\t{covered}\n");
            }

            files.Add((report.Id + ".txt", System.Text.Encoding.UTF8.GetBytes(report.Text)));
            files.Add((report.Id + ".ann", System.Text.Encoding.UTF8.GetBytes(ann.ToString())));
        }

        return files;
    }
}
