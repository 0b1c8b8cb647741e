using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Evaluation.Quality;

/// <summary>
/// Pairwise entity agreement between annotators for the hospital's local report: per annotator pair and entity type
/// (every type either annotator used), both annotators' entities and the one-to-one strict and partial matches
/// (<see cref="EntityMatching"/>), whose F1 is 2·matches / (first + second). Exact counts, every entity.
/// </summary>
public sealed class EntityAgreementProfile(IReadOnlyList<string> annotators)
{
    private readonly SortedDictionary<(int Pair, string Type), long[]> _counts = new();

    public IReadOnlyList<string> Annotators { get; } = annotators.Count >= 2
        ? annotators
        : throw new ArgumentException($"Entity agreement needs at least two annotators; {annotators.Count} given.", nameof(annotators));

    /// <summary>One report's entities by annotator (null: none given).</summary>
    public void Add(IReadOnlyList<IReadOnlyList<QcEntity>?> byAnnotator)
    {
        ArgumentNullException.ThrowIfNull(byAnnotator);
        var pair = 0;
        for (var a = 0; a < Annotators.Count; a++)
        {
            for (var b = a + 1; b < Annotators.Count; b++, pair++)
            {
                var first = (a < byAnnotator.Count ? byAnnotator[a] : null) ?? [];
                var second = (b < byAnnotator.Count ? byAnnotator[b] : null) ?? [];
                foreach (var type in first.Concat(second).Select(e => e.Label).Distinct(StringComparer.Ordinal))
                {
                    var (x, y) = (first.Where(e => e.Label == type).ToList(), second.Where(e => e.Label == type).ToList());
                    var (strict, partial) = EntityMatching.Match(x, y);
                    if (!_counts.TryGetValue((pair, type), out var counts))
                    {
                        _counts[(pair, type)] = counts = new long[4];
                    }

                    (counts[0], counts[1], counts[2], counts[3]) = (counts[0] + x.Count, counts[1] + y.Count, counts[2] + strict, counts[3] + partial);
                }
            }
        }
    }

    /// <summary>One row per annotator pair and type, with the strict and partial F1.</summary>
    public IReadOnlyList<QcEntityPairCounts> Compute()
    {
        var names = new List<(string, string)>();
        for (var a = 0; a < Annotators.Count; a++)
        {
            for (var b = a + 1; b < Annotators.Count; b++)
            {
                names.Add((Annotators[a], Annotators[b]));
            }
        }

        return [.. _counts.Select(entry =>
        {
            var c = entry.Value;
            var denominator = c[0] + c[1];
            return new QcEntityPairCounts(names[entry.Key.Pair].Item1, names[entry.Key.Pair].Item2, entry.Key.Type, c[0], c[1], c[2], c[3])
            {
                StrictF1 = new QcFigure(denominator > 0 ? 2.0 * c[2] / denominator : null, null),
                PartialF1 = new QcFigure(denominator > 0 ? 2.0 * c[3] / denominator : null, null),
            };
        })];
    }
}
