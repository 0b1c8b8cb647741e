namespace Partages.Evaluation;

/// <summary>
/// One problem in a YAML document the project reads (an evaluation spec, a node's node.yaml or policy.yaml), with where
/// it is (1-based line and column; 0 when the document itself is at fault) and the field at fault.
/// </summary>
public sealed record YamlError(int Line, int Column, string Field, string Message)
{
    public override string ToString() =>
        Line > 0 ? $"line {Line}, column {Column}: {Field}: {Message}" : $"{Field}: {Message}";
}
