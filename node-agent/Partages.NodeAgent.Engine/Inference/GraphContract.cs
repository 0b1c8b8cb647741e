using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Partages.NodeAgent.Engine.Inference;

/// <summary>The graph's static dimensions the batches must follow; null where the graph leaves a dimension free.</summary>
internal sealed record GraphShape(int? FixedBatchSize, int? FixedSequenceLength);

/// <summary>
/// Checks, before any document is read, that an ONNX graph is the one its manifest describes: the named inputs
/// exist as int64 <c>[batch, sequence]</c> tensors, the graph needs no other input, and the logits output is a
/// float <c>[batch, labels]</c> tensor. Every mismatch is listed in one refusal, so a bundle is fixed in one pass.
/// </summary>
internal static class GraphContract
{
    public static GraphShape Check(
        ModelManifest manifest,
        IReadOnlyDictionary<string, NodeMetadata> graphInputs,
        IReadOnlyDictionary<string, NodeMetadata> graphOutputs)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(graphInputs);
        ArgumentNullException.ThrowIfNull(graphOutputs);
        var errors = new List<string>();
        var manifestInputs = ManifestInputNames(manifest);
        var inputList = string.Join(", ", graphInputs.Keys.Order(StringComparer.Ordinal));
        int? batch = null, sequence = null;

        foreach (var name in manifestInputs)
        {
            if (!graphInputs.TryGetValue(name, out var input))
            {
                errors.Add($"manifest input '{name}' is not an input of the graph (graph inputs: {inputList})");
                continue;
            }

            if (MatrixError($"graph input '{name}'", input, TensorElementType.Int64, "an int64", "[batch, sequence]") is { } inputError)
            {
                errors.Add(inputError);
                continue;
            }

            MergeStaticDimension(errors, ref batch, input.Dimensions[0], "batch");
            MergeStaticDimension(errors, ref sequence, input.Dimensions[1], "sequence");
        }

        foreach (var name in graphInputs.Keys.Where(n => !manifestInputs.Contains(n)).Order(StringComparer.Ordinal))
        {
            errors.Add($"graph input '{name}' is required but the manifest does not name it (manifest inputs: {string.Join(", ", manifestInputs)})");
        }

        CheckLogits(manifest, graphOutputs, errors);
        if (sequence is { } fixedSequence && fixedSequence < manifest.MaxLength)
        {
            errors.Add($"manifest max_length {manifest.MaxLength} exceeds the graph's static sequence length {fixedSequence}");
        }

        if (errors.Count > 0)
        {
            throw new EvaluationRefusedException("the model does not match its manifest: " + string.Join("; ", errors));
        }

        return new GraphShape(batch, sequence);
    }

    public static IReadOnlyList<string> ManifestInputNames(ModelManifest manifest) =>
        manifest.Inputs.TokenTypeIds is { } tokenTypeIds
            ? [manifest.Inputs.InputIds, manifest.Inputs.AttentionMask, tokenTypeIds]
            : [manifest.Inputs.InputIds, manifest.Inputs.AttentionMask];

    /// <summary>Why a graph input or output is not the rank-2 tensor of <paramref name="type"/> the engine feeds or reads; null when it is.</summary>
    private static string? MatrixError(string what, NodeMetadata node, TensorElementType type, string typeName, string axes)
    {
        if (!IsTensorOf(node, type))
        {
            return $"{what} is {Describe(node)}, not {typeName} tensor";
        }

        return node.Dimensions.Length == 2 ? null : $"{what} has rank {node.Dimensions.Length}, not 2 ({axes})";
    }

    private static void CheckLogits(ModelManifest manifest, IReadOnlyDictionary<string, NodeMetadata> graphOutputs, List<string> errors)
    {
        var name = manifest.Outputs.Logits;
        if (!graphOutputs.TryGetValue(name, out var logits))
        {
            errors.Add($"manifest output '{name}' is not an output of the graph (graph outputs: {string.Join(", ", graphOutputs.Keys.Order(StringComparer.Ordinal))})");
            return;
        }

        if (MatrixError($"graph output '{name}'", logits, TensorElementType.Float, "a float", "[batch, labels]") is { } outputError)
        {
            errors.Add(outputError);
            return;
        }

        var classes = logits.Dimensions[1];
        if (classes > 0 && classes != manifest.Labels.Count)
        {
            errors.Add($"graph output '{name}' has {classes} classes in its last dimension but the manifest lists {manifest.Labels.Count} labels");
        }
    }

    private static void MergeStaticDimension(List<string> errors, ref int? merged, int dimension, string what)
    {
        // ONNX Runtime reports a symbolic or unknown dimension as -1 (or 0 for an unnamed unknown).
        if (dimension <= 0)
        {
            return;
        }

        if (merged is { } existing && existing != dimension)
        {
            errors.Add($"graph inputs disagree on the static {what} size ({existing} and {dimension})");
            return;
        }

        merged = dimension;
    }

    private static bool IsTensorOf(NodeMetadata metadata, TensorElementType type) =>
        metadata.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR && metadata.IsTensor && metadata.ElementDataType == type;

    private static string Describe(NodeMetadata metadata) =>
        metadata.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR
            ? $"a {metadata.ElementDataType.ToString().ToLowerInvariant()} tensor"
            : $"a {metadata.OnnxValueType.ToString().Replace("ONNX_TYPE_", "", StringComparison.Ordinal).ToLowerInvariant()}";
}
