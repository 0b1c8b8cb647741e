using Google.Protobuf;
using Onnx;

namespace Partages.NodeAgent.Engine.Generation;

/// <summary>
/// What the decoder graph declares, read as plain protobuf (its external weights untouched, no ONNX Runtime): which of
/// the names <c>genai_config.json</c> gives are not among its inputs and outputs, and its logits' width.
/// </summary>
public sealed record DecoderGraph(IReadOnlyList<string> Missing, long LogitsWidth)
{
    /// <exception cref="InvalidDataException">The graph file is missing or not an ONNX model.</exception>
    public static DecoderGraph Read(GenAiModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(config.ModelPath);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidProtocolBufferException)
        {
            throw new InvalidDataException($"{Path.GetFileName(config.ModelPath)} cannot be read as an ONNX model: {ex.Message}", ex);
        }

        var graph = model.Graph ?? throw new InvalidDataException($"{Path.GetFileName(config.ModelPath)} has no graph.");
        var layers = Enumerable.Range(0, config.Layers).ToArray();
        string[] inputs = [config.InputIds, config.AttentionMask,
            .. layers.Select(l => GenAiModelConfig.ForLayer(config.PastKey, l)),
            .. layers.Select(l => GenAiModelConfig.ForLayer(config.PastValue, l))];
        string[] outputs = [config.Logits,
            .. layers.Select(l => GenAiModelConfig.ForLayer(config.PresentKey, l)),
            .. layers.Select(l => GenAiModelConfig.ForLayer(config.PresentValue, l))];
        var missing = inputs.Except(graph.Input.Select(i => i.Name)).Concat(outputs.Except(graph.Output.Select(o => o.Name))).ToList();
        var logits = graph.Output.FirstOrDefault(o => o.Name == config.Logits)?.Type?.TensorType?.Shape?.Dim;
        var width = logits is { Count: > 0 } dims && dims[^1].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dims[^1].DimValue : 0;
        return new DecoderGraph(missing, width);
    }
}
