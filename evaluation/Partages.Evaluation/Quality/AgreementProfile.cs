using Partages.Evaluation.Metrics.Agreement;

namespace Partages.Evaluation.Quality;

/// <summary>
/// Agreement between the annotators of a double- (or multiply-) annotated dataset, from each document's labels by
/// annotator (null where an annotator did not label it). Krippendorff's α always (any number of annotators,
/// missing labels allowed, and it pools across sites); Cohen's κ with two annotators; Fleiss' κ when every
/// document carries every annotator's label. Labels are collected first because the tables need the label set.
/// </summary>
public sealed class AgreementProfile(IReadOnlyList<string> annotators)
{
    private readonly List<string?[]> _documents = [];

    public IReadOnlyList<string> Annotators { get; } = annotators.Count >= 2
        ? annotators
        : throw new ArgumentException($"Agreement needs at least two annotators; {annotators.Count} given.", nameof(annotators));

    /// <summary>Adds one document's labels, one per annotator in <see cref="Annotators"/>' order (null: not labelled).</summary>
    public void Add(IReadOnlyList<string?> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != Annotators.Count)
        {
            throw new ArgumentException($"Expected one label per annotator ({Annotators.Count}); got {labels.Count}.", nameof(labels));
        }

        _documents.Add([.. labels]);
    }

    public AgreementSummary Compute()
    {
        var categories = _documents.SelectMany(labels => labels).OfType<string>().Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToList();
        var index = categories.Select((label, i) => (label, i)).ToDictionary(pair => pair.label, pair => pair.i, StringComparer.Ordinal);
        var width = Math.Max(2, categories.Count);
        var coincidences = new CoincidenceMatrix(width);
        var pair = Annotators.Count == 2 ? new RaterPairTable(width) : null;
        var complete = _documents.All(labels => labels.All(label => label is not null));
        var fleiss = complete && Annotators.Count >= 3 ? new FleissTable(width, Annotators.Count) : null;
        foreach (var labels in _documents)
        {
            var given = labels.OfType<string>().Select(label => index[label]).ToList();
            coincidences.AddUnit(given);
            if (pair is not null && labels[0] is { } first && labels[1] is { } second)
            {
                pair.Add(index[first], index[second]);
            }

            fleiss?.AddDocument(given);
        }

        return new AgreementSummary(
            Annotators,
            categories,
            _documents.Count,
            coincidences.PairableUnits,
            coincidences.Alpha(),
            pair?.CohenKappa(),
            fleiss?.Kappa());
    }
}

/// <param name="DocumentsWithTwoLabels">Documents at least two annotators labelled: the only ones agreement uses.</param>
/// <param name="Alpha">Krippendorff's α (nominal); null when not estimable.</param>
/// <param name="CohenKappa">Two annotators only; null otherwise or when not estimable.</param>
/// <param name="FleissKappa">Three or more annotators on every document; null otherwise or when not estimable.</param>
public sealed record AgreementSummary(
    IReadOnlyList<string> Annotators,
    IReadOnlyList<string> Labels,
    long Documents,
    long DocumentsWithTwoLabels,
    KappaEstimate? Alpha,
    KappaEstimate? CohenKappa,
    KappaEstimate? FleissKappa);
