namespace Partages.Evaluation.Specs;

/// <summary>One problem in a spec, with where it is (1-based line and column; 0 when the document itself is at fault).</summary>
public sealed record SpecError(int Line, int Column, string Field, string Message)
{
    public override string ToString() =>
        Line > 0 ? $"line {Line}, column {Column}: {Field}: {Message}" : $"{Field}: {Message}";
}

public sealed record SpecParseResult(EvaluationSpec? Spec, IReadOnlyList<SpecError> Errors)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;

    /// <summary>Every error on its own line, for a command line or an INVALID_ARGUMENT status.</summary>
    public string Describe() => string.Join(Environment.NewLine, Errors);
}
