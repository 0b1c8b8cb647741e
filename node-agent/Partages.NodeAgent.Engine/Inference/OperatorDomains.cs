using Google.Protobuf;
using Onnx;

namespace Partages.NodeAgent.Engine.Inference;

/// <summary>
/// Refuses ONNX graphs that need operators from outside the standard ONNX domains. A custom operator means a
/// native library registered with ONNX Runtime — code the hospital never vetted — so the graph is read as plain
/// protobuf (no ONNX Runtime involved) and every opset import and every node, including those of subgraphs
/// (If/Loop/Scan bodies), model-local functions and training graphs, must be in "", "ai.onnx" or "ai.onnx.ml".
/// Model-local functions in another domain are refused too: the rule is simple enough to state and to audit.
/// </summary>
public static class OperatorDomains
{
    private const int MaxNamed = 5;

    /// <summary>The domains ONNX Runtime implements itself ("" and "ai.onnx" are the same default domain).</summary>
    public static IReadOnlySet<string> Standard { get; } = new HashSet<string>(StringComparer.Ordinal) { "", "ai.onnx", "ai.onnx.ml" };

    /// <summary>Refuses the graph unless all its operators are standard.</summary>
    /// <param name="model">The ONNX graph's bytes.</param>
    /// <param name="modelName">The graph's name in the bundle, for the reason.</param>
    /// <exception cref="EvaluationRefusedException">The bytes are not an ONNX model, or it needs custom operators (each named).</exception>
    public static void Check(byte[] model, string modelName)
    {
        ArgumentNullException.ThrowIfNull(model);
        var custom = FindCustom(model, modelName);
        if (custom.Count > 0)
        {
            var named = string.Join(", ", custom.Take(MaxNamed)) + (custom.Count > MaxNamed ? $" and {custom.Count - MaxNamed} more" : "");
            throw new EvaluationRefusedException(
                $"{modelName} needs custom operators, which this node does not load (allowed domains: \"\", ai.onnx, ai.onnx.ml): {named}");
        }
    }

    /// <summary>Every non-standard opset import and operator of the graph, described; empty for a standard graph.</summary>
    /// <exception cref="EvaluationRefusedException">The bytes are not an ONNX model.</exception>
    public static IReadOnlyList<string> FindCustom(byte[] model, string modelName = "model")
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException ex)
        {
            // Also what a graph nested past protobuf's recursion limit gives: refused, not crashed on.
            throw new EvaluationRefusedException($"{modelName} is not a readable ONNX model: {ex.Message}", ex);
        }

        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string description)
        {
            if (seen.Add(description))
            {
                found.Add(description);
            }
        }

        foreach (var opset in proto.OpsetImport.Where(o => !Standard.Contains(o.Domain)))
        {
            Add($"opset import '{Printable(opset.Domain)}'");
        }

        if (proto.Graph is not null)
        {
            Visit(proto.Graph, Add);
        }

        foreach (var function in proto.Functions)
        {
            foreach (var opset in function.OpsetImport.Where(o => !Standard.Contains(o.Domain)))
            {
                Add($"opset import '{Printable(opset.Domain)}' (function '{Printable(function.Name)}')");
            }

            if (!Standard.Contains(function.Domain))
            {
                Add($"function {Printable(function.Domain)}::{Printable(function.Name)}");
            }

            VisitNodes(function.Node, Add);
        }

        foreach (var training in proto.TrainingInfo)
        {
            if (training.Initialization is not null)
            {
                Visit(training.Initialization, Add);
            }

            if (training.Algorithm is not null)
            {
                Visit(training.Algorithm, Add);
            }
        }

        return found;
    }

    private static void Visit(GraphProto graph, Action<string> add) => VisitNodes(graph.Node, add);

    private static void VisitNodes(IEnumerable<NodeProto> nodes, Action<string> add)
    {
        foreach (var node in nodes)
        {
            if (!Standard.Contains(node.Domain))
            {
                add($"{Printable(node.Domain)}::{Printable(node.OpType)} (node '{Printable(node.Name)}')");
            }

            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null)
                {
                    Visit(attribute.G, add);
                }

                foreach (var subgraph in attribute.Graphs)
                {
                    Visit(subgraph, add);
                }
            }
        }
    }

    /// <summary>Names come from an untrusted graph: keep them short and free of control characters in a reason.</summary>
    private static string Printable(string text)
    {
        var clean = new string([.. text.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 80 ? clean + "…" : clean;
    }
}
