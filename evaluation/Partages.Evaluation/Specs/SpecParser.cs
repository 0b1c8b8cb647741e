using System.Globalization;
using System.Text.RegularExpressions;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Tasks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Partages.Evaluation.Specs;

/// <summary>
/// Reads an evaluation spec from YAML and reports every problem at once, each with its line, so an
/// evaluator fixes a spec in one pass instead of one error per submission.
/// </summary>
public static partial class SpecParser
{
    private const int MaxSpecBytes = 64 * 1024;

    private static readonly string[] KnownMetrics = ["confusion_matrix", "precision", "recall", "f1", "accuracy"];

    private static readonly string[] KnownFields =
        ["version", "name", "description", "task", "dataset", "labels", "metrics", "nodes", "min_sites", "deadline_minutes", "ner_matching", "ner_overlap_threshold", "annotation", "annotators", "pooled_only", "prompt_template"];

    public static SpecParseResult Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var errors = new List<YamlError>();
        if (yaml.Length > MaxSpecBytes)
        {
            errors.Add(new YamlError(0, 0, "spec", $"is {yaml.Length} characters long; the limit is {MaxSpecBytes}"));
            return new SpecParseResult(null, errors);
        }

        if (!SpecYaml.TryLoad(yaml, out var loaded, out var yamlError))
        {
            return new SpecParseResult(null, [yamlError]);
        }

        if (loaded.Documents.Count != 1 || loaded.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new YamlError(0, 0, "spec", "must be one YAML mapping (key: value lines)"));
            return new SpecParseResult(null, errors);
        }

        var reader = new FieldReader(root, errors);
        string[] known = [.. KnownFields, Robustness.RobustnessSpec.Field];
        foreach (var key in reader.UnknownKeys(known))
        {
            errors.Add(Error(key, key.Value ?? "", $"is not a spec field (known fields: {string.Join(", ", known)})"));
        }

        foreach (var key in root.Children.Keys.Where(k => k is not YamlScalarNode))
        {
            errors.Add(Error(key, "spec", "every key must be a plain field name, not a list or a mapping"));
        }

        var version = reader.Integer("version", required: true, min: 1, max: EvaluationSpec.CurrentVersion);
        var name = reader.String("name", required: true);
        if (name is not null && !SlugPattern().IsMatch(name))
        {
            reader.AddError("name", "must be 1-64 characters of lowercase letters, digits, '-' or '_', starting with a letter or digit");
        }

        var description = reader.String("description", required: false) ?? "";
        var task = reader.String("task", required: true);
        var taskType = TaskRegistry.Find(task);
        if (task is not null && taskType is null)
        {
            reader.AddError("task", $"'{task}' is not a supported task (supported: {string.Join(", ", TaskRegistry.Names)})");
        }

        var dataset = reader.String("dataset", required: true);
        if (dataset is not null && !SlugPattern().IsMatch(dataset))
        {
            reader.AddError("dataset", "must be a dataset name as nodes expose it: lowercase letters, digits, '-' or '_'");
        }

        var labels = reader.StringList("labels", required: true);
        if (labels is not null)
        {
            // Each task sets its own minimum (an unknown task is held to a classifier's two classes, as before).
            var minimum = taskType ?? TaskRegistry.Get(TaskTypes.SingleLabelClassification);
            if (labels.Count < minimum.MinimumLabels)
            {
                reader.AddError("labels", minimum.TooFewLabels);
            }

            foreach (var duplicate in labels.GroupBy(l => l, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                reader.AddError("labels", $"'{duplicate.Key}' is listed more than once");
            }
        }

        var metrics = reader.StringList("metrics", required: false);
        foreach (var metric in metrics ?? [])
        {
            var producible = KnownMetrics.Concat(taskType?.ExtraMetrics ?? []).ToList();
            if (TaskRegistry.All.Any(t => t.ExtraMetrics.Contains(metric)) && taskType is not null && !producible.Contains(metric))
            {
                // Another task's metric: name what this one can produce instead.
                reader.AddError("metrics", $"'{metric}' is not produced by task '{task}' (it can: {string.Join(", ", producible)})");
            }
            else if (!producible.Contains(metric) && !TaskRegistry.All.Any(t => t.ExtraMetrics.Contains(metric)))
            {
                reader.AddError("metrics", $"'{metric}' is not a known metric (known: {string.Join(", ", producible)})");
            }
        }

        var overlapThreshold = OverlapThreshold(reader, metrics);
        var robustness = Robustness.RobustnessSpec.Read(reader.Node(Robustness.RobustnessSpec.Field), task, taskType, errors);

        // Aliases let 60 KB of YAML name tens of thousands of nodes: the count is capped before any item is read.
        var nodes = reader.StringList("nodes", required: false, maxItems: NodeNames.MaxTargets) ?? [];
        if (NodeNames.ProblemWithTargets(nodes) is { } nodesProblem)
        {
            reader.AddError("nodes", nodesProblem);
        }

        var minSites = reader.Integer("min_sites", required: false, min: 1, max: 10_000) ?? 1;
        if (nodes.Count > 0 && minSites > nodes.Count)
        {
            reader.AddError("min_sites", $"is {minSites} but only {nodes.Count} node(s) are listed");
        }

        var deadline = reader.Integer("deadline_minutes", required: false, min: 1, max: 60 * 24 * 30) ?? 60;
        var nerMatching = NerMatchingRule(reader, task, taskType);
        var (annotation, annotators) = QcOptions(reader, task, taskType);
        var pooledOnly = PooledOnly(reader);
        var promptTemplate = PromptTemplateRule(reader, task, taskType);

        if (errors.Count > 0 || version is null || name is null || task is null || dataset is null || labels is null)
        {
            return new SpecParseResult(null, errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }

        var spec = new EvaluationSpec
        {
            Version = version.Value,
            Name = name,
            Description = description,
            Task = task,
            Dataset = dataset,
            Labels = labels,
            Metrics = metrics ?? new EvaluationSpec { Name = name, Task = task, Dataset = dataset, Labels = labels }.Metrics,
            Nodes = nodes,
            Robustness = robustness,
            MinSites = minSites,
            DeadlineMinutes = deadline,
            NerMatching = nerMatching,
            NerOverlapThreshold = overlapThreshold,
            Annotation = annotation,
            Annotators = annotators,
            PooledOnly = pooledOnly,
            PromptTemplate = promptTemplate,
        };
        return new SpecParseResult(spec, errors);
    }

    /// <summary><c>pooled_only</c>: true or false (default false); a secure sum needs at least three sites.</summary>
    private static bool PooledOnly(FieldReader reader)
    {
        var text = reader.String("pooled_only", required: false);
        switch (text)
        {
            case null or "false":
                return false;
            case "true":
                return true;
            default:
                reader.AddError("pooled_only", $"is '{text}'; write true (the coordinator learns only the secure sum of the sites) or false");
                return false;
        }
    }

    /// <summary>
    /// <c>ner_matching</c>: which nervaluate release's pairing of predictions with gold entities the counts follow
    /// (docs/ner.md, "Entity matching"). Named in the spec, not the node's configuration, so every site of one
    /// evaluation counts the same way and the spec's hash in the reproducibility manifest records the choice.
    /// </summary>
    private static string NerMatchingRule(FieldReader reader, string? task, TaskType? taskType)
    {
        var rule = reader.String("ner_matching", required: false);
        if (rule is null)
        {
            return NerMatching.Default;
        }

        if (task is not null && taskType?.MatchesEntities != true)
        {
            reader.AddError("ner_matching", $"applies to {string.Join(", ", TaskRegistry.All.Where(t => t.MatchesEntities))} only");
        }
        else if (!NerMatching.All.Contains(rule, StringComparer.Ordinal))
        {
            reader.AddError("ner_matching", $"'{rule}' is not a matching rule (valid: {string.Join(", ", NerMatching.All)})");
        }
        return rule;
    }

    /// <summary>
    /// <c>annotation</c> (labels or entities) and <c>annotators</c> (two or more fields, each one annotator's gold),
    /// for a task that profiles a dataset. One annotator asked for agreement is refused here, before any run.
    /// </summary>
    private static (string Annotation, IReadOnlyList<string> Annotators) QcOptions(FieldReader reader, string? task, TaskType? taskType)
    {
        var annotation = reader.String("annotation", required: false);
        var annotators = reader.StringList("annotators", required: false, maxItems: 16);
        var applies = taskType?.ProfilesDataset == true;
        var profilers = string.Join(", ", TaskRegistry.All.Where(t => t.ProfilesDataset));
        if (annotation is not null && task is not null && !applies)
        {
            reader.AddError("annotation", $"applies to {profilers} only");
        }
        else if (annotation is not null && !Tasks.DatasetQc.DatasetQcAnnotation.All.Contains(annotation, StringComparer.Ordinal))
        {
            reader.AddError("annotation", $"'{annotation}' is not an annotation kind (valid: {string.Join(", ", Tasks.DatasetQc.DatasetQcAnnotation.All)})");
        }

        if (annotators is not null && task is not null && !applies)
        {
            reader.AddError("annotators", $"applies to {profilers} only");
        }
        else if (annotators is { Count: 1 })
        {
            reader.AddError("annotators", $"agreement needs at least two annotators; only '{annotators[0]}' is listed");
        }
        else if (annotators is not null && annotators.Distinct(StringComparer.Ordinal).Count() != annotators.Count)
        {
            reader.AddError("annotators", "names an annotator field twice");
        }

        return (annotation ?? Tasks.DatasetQc.DatasetQcAnnotation.Labels, annotators ?? []);
    }

    /// <summary>
    /// <c>prompt_template</c>: a generative task's prompt, replacing the bundle's (docs/generative.md); an unknown
    /// placeholder is refused here, at submission, never met on the first report.
    /// </summary>
    private static string? PromptTemplateRule(FieldReader reader, string? task, TaskType? taskType)
    {
        var template = reader.String("prompt_template", required: false);
        if (template is null)
        {
            return null;
        }

        if (task is not null && taskType?.IsGenerative != true)
        {
            reader.AddError("prompt_template", $"applies to {string.Join(", ", TaskRegistry.All.Where(t => t.IsGenerative))} only");
            return null;
        }

        foreach (var problem in taskType!.PromptTemplateProblems(template))
        {
            reader.AddError("prompt_template", problem);
        }

        return template;
    }

    /// <summary><c>ner_overlap_threshold</c>: ner_overlap's Dice threshold, in (0, 1], EDS-NLP's 0.5 by default; only with that metric.</summary>
    private static double OverlapThreshold(FieldReader reader, IReadOnlyList<string>? metrics)
    {
        var text = reader.String("ner_overlap_threshold", required: false);
        if (text is null)
        {
            return EdsNlpMetrics.DefaultOverlapThreshold;
        }

        if (metrics?.Contains(EdsNlpMetrics.Overlap) != true)
        {
            reader.AddError("ner_overlap_threshold", $"applies only when metrics lists {EdsNlpMetrics.Overlap}");
        }
        else if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var threshold)
            || !(threshold > 0 && threshold <= 1))
        {
            reader.AddError("ner_overlap_threshold", $"'{text}' is not a Dice threshold in (0, 1] (EDS-NLP's default: 0.5)");
        }
        else
        {
            return threshold;
        }

        return EdsNlpMetrics.DefaultOverlapThreshold;
    }

    private static YamlError Error(YamlNode node, string field, string message) =>
        new((int)node.Start.Line, (int)node.Start.Column, field, message);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex SlugPattern();

    /// <summary>Reads typed fields from the root mapping, recording an error (with position) for each bad one.</summary>
    private sealed class FieldReader(YamlMappingNode root, List<YamlError> errors)
    {
        public IEnumerable<YamlScalarNode> UnknownKeys(IReadOnlyCollection<string> known) =>
            root.Children.Keys.OfType<YamlScalarNode>().Where(k => !known.Contains(k.Value ?? ""));

        public void AddError(string field, string message)
        {
            var node = Find(field);
            errors.Add(node is null ? new YamlError(0, 0, field, message) : Error(node, field, message));
        }

        public string? String(string field, bool required)
        {
            var node = Find(field);
            if (node is null)
            {
                return Missing(field, required);
            }

            if (node is not YamlScalarNode { Value: { } value } || node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" })
            {
                errors.Add(Error(node, field, "must be a text value"));
                return null;
            }

            if (required && string.IsNullOrWhiteSpace(value))
            {
                errors.Add(Error(node, field, "must not be empty"));
                return null;
            }

            return value;
        }

        public int? Integer(string field, bool required, int min, int max)
        {
            var node = Find(field);
            if (node is null)
            {
                Missing(field, required);
                return null;
            }

            if (node is not YamlScalarNode { Value: { } text } || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                errors.Add(Error(node, field, "must be a whole number"));
                return null;
            }

            if (value < min || value > max)
            {
                errors.Add(Error(node, field, $"{value} is outside {min}..{max}"));
                return null;
            }

            return value;
        }

        public IReadOnlyList<string>? StringList(string field, bool required, int maxItems = int.MaxValue)
        {
            var node = Find(field);
            if (node is null)
            {
                Missing(field, required);
                return null;
            }

            if (node is not YamlSequenceNode sequence)
            {
                errors.Add(Error(node, field, "must be a list, e.g. [a, b] or one '- item' per line"));
                return null;
            }

            if (sequence.Children.Count > maxItems)
            {
                errors.Add(Error(node, field, $"lists {sequence.Children.Count} items; at most {maxItems} may be given"));
                return null;
            }

            var items = new List<string>();
            var ok = true;
            foreach (var item in sequence.Children)
            {
                if (item is YamlScalarNode { Value: { Length: > 0 } value } && !string.IsNullOrWhiteSpace(value))
                {
                    items.Add(value);
                }
                else
                {
                    errors.Add(Error(item, field, "every item must be a non-empty text value"));
                    ok = false;
                }
            }

            return ok ? items : null;
        }

        private string? Missing(string field, bool required)
        {
            if (required)
            {
                errors.Add(new YamlError((int)root.Start.Line, (int)root.Start.Column, field, "is required"));
            }

            return null;
        }

        public YamlNode? Node(string field) => Find(field);

        private YamlNode? Find(string field) =>
            root.Children.TryGetValue(new YamlScalarNode(field), out var value) ? value : null;
    }
}
