using Partages.Evaluation.Robustness;
using Partages.NodeAgent.Engine.LocalMode;

namespace Partages.NodeAgent.Engine.Robustness;

/// <summary>
/// One perturbation's pass over the dataset: the reader wrapper that rewrites every report (<see cref="Wrap"/>) and the
/// sink that pairs each scored unit with the clean run's (<see cref="CleanOutcomes"/>). Per-document data stays here,
/// in the engine's memory for the length of the run; only the counts leave (<see cref="ToResult"/>).
/// </summary>
internal sealed class PerturbationPass(RobustnessCheck check, CleanOutcomes clean) : IPredictionSink
{
    // Entity recognition: per report id, each gold entity's key in the clean text and in the perturbed one (null: lost).
    private readonly Dictionary<string, List<(EntityKey Clean, EntityKey? Perturbed)>> _entityMaps = new(StringComparer.Ordinal);
    private long _changed, _unchanged, _lost, _cleanOnly, _perturbedOnly;

    public RobustnessCheck Check => check;

    /// <summary>The reader whose reports come out perturbed, gold spans carried to the new offsets.</summary>
    public IDocumentReader Wrap(IDocumentReader reader) => new PerturbingReader(reader, this);

    public void Write(DocumentPrediction prediction)
    {
        if (clean.IsRight(prediction.Id) is not { } cleanRight)
        {
            return;
        }

        var right = CleanOutcomes.SameSet(prediction.Gold, prediction.Predicted);
        Tally(cleanRight, right);
    }

    public void Write(EntityPrediction prediction)
    {
        if (clean.FoundEntities(prediction.Id) is not { } cleanFound || !_entityMaps.Remove(prediction.Id, out var map))
        {
            return;
        }

        var found = clean.Found(prediction);
        foreach (var (cleanKey, perturbedKey) in clean.Counted(prediction.Id, map))
        {
            Tally(cleanFound.Contains(cleanKey), perturbedKey is { } key && found.Contains(key));
        }
    }

    public PerturbationResult ToResult(ResultDocument perturbed, bool entities) => new()
    {
        Perturbation = check.Name,
        Seed = check.Seed,
        ReportsChanged = _changed,
        ReportsUnchanged = _unchanged,
        EntitiesLost = entities ? _lost : null,
        Paired = new PairedOutcomes
        {
            Unit = entities ? PairedOutcomes.EntityUnit : PairedOutcomes.DocumentUnit,
            CleanOnly = _cleanOnly,
            PerturbedOnly = _perturbedOnly,
        },
        Result = perturbed,
    };

    private void Tally(bool cleanRight, bool perturbedRight)
    {
        if (cleanRight && !perturbedRight)
        {
            _cleanOnly++;
        }
        else if (!cleanRight && perturbedRight)
        {
            _perturbedOnly++;
        }
    }

    /// <summary>The report perturbed; its gold spans (UTF-16 of the original) mapped to UTF-16 of the new text.</summary>
    private LabeledDocument Perturb(LabeledDocument document, string id)
    {
        var perturbed = check.Perturbation.Apply(document.Text, check.Seed, id);
        if (perturbed.Changed)
        {
            _changed++;
        }
        else
        {
            _unchanged++;
        }

        if (document.Entities is not { } entities)
        {
            return document with { Text = perturbed.Text };
        }

        var before = new CodePointOffsets(document.Text);
        var after = new CodePointOffsets(perturbed.Text);
        var kept = new List<EntitySpan>(entities.Length);
        var map = new List<(EntityKey, EntityKey?)>(entities.Length);
        foreach (var span in entities)
        {
            var cleanKey = new EntityKey(before.ToCodePoint(span.Start), before.ToCodePoint(span.End), span.Label);
            if (perturbed.MapSpan(cleanKey.Start, cleanKey.End) is { } moved && after.TryToUtf16(moved.Start, moved.End, out var from, out var to))
            {
                kept.Add(new EntitySpan(from, to, span.Label));
                map.Add((cleanKey, new EntityKey(moved.Start, moved.End, span.Label)));
            }
            else
            {
                // Every character of the entity was removed: counted, and missed in the paired counts.
                _lost++;
                map.Add((cleanKey, null));
            }
        }

        _entityMaps[id] = map;
        return document with { Text = perturbed.Text, Entities = [.. kept] };
    }

    private sealed class PerturbingReader(IDocumentReader inner, PerturbationPass pass) : IDocumentReader
    {
        public long DocumentsRead => inner.DocumentsRead;

        public SkipTally Skipped => inner.Skipped;

        public bool TryRead(out LabeledDocument document)
        {
            if (!inner.TryRead(out document))
            {
                return false;
            }

            // Every reader sets an id; the line number is the fallback a reader without ids would need.
            var id = document.Id ?? inner.DocumentsRead.ToString(System.Globalization.CultureInfo.InvariantCulture);
            document = pass.Perturb(document, id);
            return true;
        }
    }
}

/// <summary>A gold or predicted entity in code points (the datasets' offsets) and its type's index or name.</summary>
internal readonly record struct EntityKey(int Start, int End, int Label);

/// <summary>
/// The clean run's outcome per report, for the passes to pair with: whether each document was right (classification),
/// which gold entities were found with the same type and boundaries (entity recognition). In the engine's memory only.
/// </summary>
internal sealed class CleanOutcomes(IPredictionSink? inner, IReadOnlyList<string> labels, int? maxEntitiesPerReport) : IPredictionSink
{
    private readonly Dictionary<string, bool> _right = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<EntityKey>> _found = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);

    public void Write(DocumentPrediction prediction)
    {
        inner?.Write(prediction);
        _right[prediction.Id] = SameSet(prediction.Gold, prediction.Predicted);
    }

    public void Write(EntityPrediction prediction)
    {
        inner?.Write(prediction);
        _found[prediction.Id] = Found(prediction);
    }

    public bool? IsRight(string id) => _right.TryGetValue(id, out var right) ? right : null;

    public HashSet<EntityKey>? FoundEntities(string id) => _found.GetValueOrDefault(id);

    /// <summary>
    /// The gold entities the paired counts take, in text order: all of them, or under a bound m (differential privacy)
    /// the first m of each type, so one report moves the counts by at most m per type.
    /// </summary>
    public IEnumerable<(EntityKey Clean, EntityKey? Perturbed)> Counted(string id, List<(EntityKey Clean, EntityKey? Perturbed)> map)
    {
        if (maxEntitiesPerReport is not { } bound)
        {
            return map;
        }

        return map.OrderBy(e => e.Clean.Start).ThenBy(e => e.Clean.End)
            .GroupBy(e => e.Clean.Label).SelectMany(g => g.Take(bound));
    }

    public static bool SameSet(IReadOnlyList<string> gold, IReadOnlyList<string> predicted) =>
        gold.ToHashSet(StringComparer.Ordinal).SetEquals(predicted);

    /// <summary>The gold entities some prediction matches with the same type and boundaries.</summary>
    public HashSet<EntityKey> Found(EntityPrediction prediction)
    {
        var predicted = prediction.Predicted.Select(p => (p.Start, p.End, p.Label)).ToHashSet();
        return [.. prediction.Gold.Where(g => predicted.Contains((g.Start, g.End, g.Label))).Select(g => new EntityKey(g.Start, g.End, _labelIndex.GetValueOrDefault(g.Label, -1)))];
    }
}
