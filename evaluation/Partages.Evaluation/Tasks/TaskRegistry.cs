using Partages.Evaluation.Tasks.DatasetQc;
using Partages.Evaluation.Tasks.EntityRecognition;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.Evaluation.Tasks.MultiLabel;
using Partages.Evaluation.Tasks.MultipleChoice;
using Partages.Evaluation.Tasks.SingleLabel;

namespace Partages.Evaluation.Tasks;

/// <summary>
/// Every task type Partages knows, by wire name: the one place a task name is turned into behaviour. Specs, manifests,
/// policies and results keep the names (<see cref="Bundles.TaskTypes"/>); everything else asks for the slice.
/// </summary>
public static class TaskRegistry
{
    /// <summary>The registered slices, in the order error messages list them. Adding a task type adds one line here.</summary>
    public static IReadOnlyList<TaskType> All { get; } =
    [
        new SingleLabelTask(),
        new MultiLabelTask(),
        new EntityRecognitionTask(),
        new DatasetQcTask(),
        new GenerativeExtractionTask(),
        new MultipleChoiceTask(),
    ];

    /// <summary>The registered names, as messages list them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(t => t.Name)];

    private static readonly Dictionary<string, TaskType> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>The slice of <paramref name="name"/>; null when no slice has that name.</summary>
    public static TaskType? Find(string? name) => name is not null && ByName.TryGetValue(name, out var task) ? task : null;

    /// <summary>The slice of <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No slice has that name (a name that passed spec or manifest validation always has one).</exception>
    public static TaskType Get(string name) =>
        Find(name) ?? throw new ArgumentException($"'{name}' is not a task type (known: {string.Join(", ", Names)})", nameof(name));

    public static bool IsKnown(string? name) => Find(name) is not null;
}
