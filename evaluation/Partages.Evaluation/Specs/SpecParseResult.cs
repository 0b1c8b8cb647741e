namespace Partages.Evaluation.Specs;

/// <summary>A spec, or every problem (<see cref="YamlError"/>) that kept the text from being one.</summary>
public sealed record SpecParseResult(EvaluationSpec? Spec, IReadOnlyList<YamlError> Errors)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;

    /// <summary>Every error on its own line, for a command line or an INVALID_ARGUMENT status.</summary>
    public string Describe() => string.Join(Environment.NewLine, Errors);
}
