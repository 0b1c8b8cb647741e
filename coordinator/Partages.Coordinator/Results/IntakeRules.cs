using System.Collections.Concurrent;
using System.Text.Json;
using Partages.Evaluation.Robustness;
using Partages.Evaluation.Specs;

namespace Partages.Coordinator.Results;

/// <summary>
/// What a result is checked against, read from its evaluation once: the task, the labels (stored as JSON) and the
/// spec's robustness suite (in the spec's YAML). Parsing the spec for every result cost a YAML parse per site under
/// the ledger's gate (at 1,000 nodes, 1,000 parses of the same text per evaluation; docs/benchmarks-federation.md).
/// </summary>
public sealed record IntakeRules(string EvaluationId, string SpecSha256, string Task, string Dataset, IReadOnlyList<string> Labels, IReadOnlyList<RobustnessCheck> Robustness)
{
    /// <summary>Reads the rules of <paramref name="evaluation"/> (its labels' JSON and its spec's YAML).</summary>
    public static IntakeRules Of(EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var labels = JsonSerializer.Deserialize<string[]>(evaluation.LabelsJson) ?? [];
        var suite = SpecParser.Parse(evaluation.SpecYaml).Spec?.Robustness ?? [];
        return new IntakeRules(evaluation.Id, evaluation.SpecSha256, evaluation.Task, evaluation.Dataset, labels, suite);
    }
}

/// <summary>
/// The rules of the evaluations receiving results, each read once (an evaluation's spec never changes after its
/// submission). Bounded: past <see cref="Capacity"/> evaluations it starts again empty, which costs one read each.
/// </summary>
public sealed class IntakeRulesCache
{
    public const int Capacity = 64;

    private readonly ConcurrentDictionary<string, IntakeRules> _rules = new(StringComparer.Ordinal);

    /// <summary>Entries held (tests).</summary>
    internal int Count => _rules.Count;

    public IntakeRules For(EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        // The spec's hash is part of the key's check, so a row that somehow changed is read again rather than trusted.
        if (_rules.TryGetValue(evaluation.Id, out var held) && string.Equals(held.SpecSha256, evaluation.SpecSha256, StringComparison.Ordinal))
        {
            return held;
        }

        if (_rules.Count >= Capacity)
        {
            _rules.Clear();
        }

        var rules = IntakeRules.Of(evaluation);
        _rules[evaluation.Id] = rules;
        return rules;
    }
}
