using System.Globalization;
using Partages.Evaluation.Tasks;
using YamlDotNet.RepresentationModel;

namespace Partages.Evaluation.Robustness;

/// <summary>
/// One perturbation a spec's <c>robustness</c> list asks for, with the seed that makes it reproducible. Kept as the spec
/// wrote it (kind and parameters), so it travels to the inference worker as JSON and rebuilds the same perturbation.
/// </summary>
/// <param name="Kind">One of <see cref="PerturbationCatalog.Kinds"/>.</param>
/// <param name="Parameters">The kind's parameters, as text.</param>
/// <param name="Seed">The spec's seed: with the report's id it fixes every random choice (<see cref="DocumentRandom"/>).</param>
public sealed record RobustnessCheck(string Kind, IReadOnlyDictionary<string, string> Parameters, long Seed)
{
    /// <summary>What rewrites each report.</summary>
    /// <exception cref="ArgumentException">The kind or its parameters are not valid (the spec parser refuses them first).</exception>
    [System.Text.Json.Serialization.JsonIgnore]
    public Perturbation Perturbation { get; } = Build(Kind, Parameters);

    /// <summary>The perturbation with its parameters, as results and the manifest name it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Name => Perturbation.Name;

    private static Perturbation Build(string kind, IReadOnlyDictionary<string, string> parameters)
    {
        var errors = new List<string>();
        return PerturbationCatalog.Create(kind, parameters, errors)
            ?? throw new ArgumentException("Not a valid perturbation: " + string.Join("; ", errors), nameof(kind));
    }
}

/// <summary>
/// Reads a spec's <c>robustness</c> list:
/// <code>
/// robustness:
///   - perturbation: typos
///     parameters: { rate: 0.02 }
///     seed: 17
/// </code>
/// Refused before any run, each problem with its line: an unknown perturbation or parameter, a task the suites do not
/// apply to, a missing seed (a perturbation with no seed could not be reproduced from the manifest), the same
/// perturbation twice.
/// </summary>
internal static class RobustnessSpec
{
    public const string Field = "robustness";

    /// <summary>Each perturbation is one more pass over the dataset and shares the release's privacy budget: kept few.</summary>
    public const int MaxPerturbations = 8;

    private static readonly string[] ItemKeys = ["perturbation", "parameters", "seed"];

    public static IReadOnlyList<RobustnessCheck> Read(YamlNode? node, string? task, TaskType? taskType, List<YamlError> errors)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence || sequence.Children.Count == 0)
        {
            errors.Add(Error(node, Field, "must be a non-empty list of perturbations, each '- perturbation: NAME' with its 'seed' and 'parameters'"));
            return [];
        }

        if (task is not null && taskType is not null && !taskType.SupportsRobustness)
        {
            var supported = TaskRegistry.All.Where(t => t.SupportsRobustness).Select(t => t.Name);
            errors.Add(Error(node, Field, $"does not apply to task '{task}' (robustness suites apply to: {string.Join(", ", supported)})"));
        }

        if (sequence.Children.Count > MaxPerturbations)
        {
            errors.Add(Error(node, Field, $"lists {sequence.Children.Count} perturbations; at most {MaxPerturbations} may be given"));
            return [];
        }

        var checks = new List<RobustnessCheck>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (ReadItem(sequence.Children[i], $"{Field}[{i}]", errors) is { } check)
            {
                if (checks.Any(c => c.Name == check.Name))
                {
                    errors.Add(Error(sequence.Children[i], $"{Field}[{i}]", $"'{check.Name}' is listed twice (its results would share one name)"));
                }
                else
                {
                    checks.Add(check);
                }
            }
        }

        return checks;
    }

    private static RobustnessCheck? ReadItem(YamlNode item, string field, List<YamlError> errors)
    {
        if (item is not YamlMappingNode mapping)
        {
            errors.Add(Error(item, field, "must be a mapping: 'perturbation', 'seed' and, for some, 'parameters'"));
            return null;
        }

        var before = errors.Count;
        foreach (var key in mapping.Children.Keys)
        {
            if (key is not YamlScalarNode { Value: { } name } || !ItemKeys.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(Error(key, field, $"'{(key as YamlScalarNode)?.Value}' is not a perturbation field (known: {string.Join(", ", ItemKeys)})"));
            }
        }

        var kind = Scalar(mapping, "perturbation");
        if (kind is null)
        {
            errors.Add(Error(mapping, field, $"'perturbation' is required (valid: {string.Join(", ", PerturbationCatalog.Kinds.Keys)})"));
        }

        var seedText = Scalar(mapping, "seed");
        long? seed = null;
        if (seedText is null)
        {
            errors.Add(Error(mapping, field, "'seed' is required: the perturbation is drawn from it, and the reproducibility manifest records it"));
        }
        else if (long.TryParse(seedText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            seed = parsed;
        }
        else
        {
            errors.Add(Error(mapping, field, $"seed must be a whole number, not '{seedText}'"));
        }

        var parameters = Parameters(mapping, field, errors);
        if (kind is null || parameters is null)
        {
            return null;
        }

        var problems = new List<string>();
        var perturbation = PerturbationCatalog.Create(kind, parameters, problems);
        errors.AddRange(problems.Select(problem => Error(mapping, field, problem)));
        return perturbation is not null && seed is not null && errors.Count == before ? new RobustnessCheck(kind, parameters, seed.Value) : null;
    }

    private static Dictionary<string, string>? Parameters(YamlMappingNode item, string field, List<YamlError> errors)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!item.Children.TryGetValue(new YamlScalarNode("parameters"), out var node))
        {
            return parameters;
        }

        if (node is not YamlMappingNode mapping)
        {
            errors.Add(Error(node, field, "'parameters' must be a mapping, e.g. { rate: 0.02 }"));
            return null;
        }

        foreach (var (key, value) in mapping.Children)
        {
            if (key is YamlScalarNode { Value: { Length: > 0 } name } && value is YamlScalarNode { Value: { } text })
            {
                parameters[name] = text;
            }
            else
            {
                errors.Add(Error(key, field, "every parameter must be 'name: value'"));
                return null;
            }
        }

        return parameters;
    }

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text } ? text : null;

    private static YamlError Error(YamlNode node, string field, string message) =>
        new((int)node.Start.Line, (int)node.Start.Column, field, message);
}
