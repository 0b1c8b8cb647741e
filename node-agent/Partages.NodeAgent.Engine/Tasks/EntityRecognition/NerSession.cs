using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Partages.NodeAgent.Engine.Tasks.EntityRecognition;

/// <summary>
/// One ONNX Runtime session of a token classifier for one job: checked against the manifest when created (the
/// named int64 <c>[batch, sequence]</c> inputs and nothing else, a float <c>[batch, sequence, tags]</c> output),
/// then scoring padded batches of windows into logits. Not thread-safe; one task uses it.
/// </summary>
internal sealed class NerSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private NerSession(InferenceSession session, ModelManifest manifest)
    {
        _session = session;
        _inputNames = [.. GraphContract.ManifestInputNames(manifest)];
        _outputNames = [manifest.Outputs.Logits, .. (manifest.Attributes ?? []).Select(a => a.Output), .. manifest.Normalisation is { } n ? [n.Output] : Array.Empty<string>()];
        Tags = manifest.Labels.Count;
        HeadSizes = [.. (manifest.Attributes ?? []).Select(a => a.Values.Count), .. manifest.Normalisation is { } codes ? [codes.Codes.Count] : Array.Empty<int>()];
        TokenTypeIds = manifest.Inputs.TokenTypeIds is not null;
    }

    public int Tags { get; }

    /// <summary>The last dimension of each declared attribute output, then the normalisation output's (the manifest's order).</summary>
    public int[] HeadSizes { get; }

    public bool TokenTypeIds { get; }

    /// <exception cref="EvaluationRefusedException">The graph cannot be loaded or does not match the manifest; every mismatch named.</exception>
    public static NerSession Create(byte[] model, ModelManifest manifest, EvaluationEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        // A graph needing a custom-operator library fails to load below: ONNX Runtime knows no operator outside its own domains.
        InferenceSession session;
        using (var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpNumThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        })
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
            try
            {
                session = new InferenceSession(model, sessionOptions);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new EvaluationRefusedException($"{manifest.Model} cannot be loaded by ONNX Runtime {OnnxRuntimeInfo.Version}: {ex.Message}", ex);
            }
        }

        var errors = Check(manifest, session.InputMetadata, session.OutputMetadata);
        if (errors.Count > 0)
        {
            session.Dispose();
            throw new EvaluationRefusedException("the model does not match its manifest: " + string.Join("; ", errors));
        }

        return new NerSession(session, manifest);
    }

    /// <summary>
    /// Logits <c>[rows, sequence, Tags]</c> of a padded batch, row-major, then each declared attribute's and the
    /// normalisation's <c>[rows, sequence, HeadSizes[h]]</c>.
    /// </summary>
    public float[][] Score(long[] inputIds, long[] attentionMask, int rows, int sequence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long[] shape = [rows, sequence];
        using var ids = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(attentionMask, shape);
        using var types = TokenTypeIds ? OrtValue.CreateTensorValueFromMemory(new long[inputIds.Length], shape) : null;
        OrtValue[] inputs = types is null ? [ids, mask] : [ids, mask, types];
        var outputs = OnnxRun.Run(_session, _inputNames, inputs, _outputNames, $"a batch of {rows} windows", cancellationToken);
        using (outputs)
        {
            var result = new float[_outputNames.Length][];
            for (var o = 0; o < _outputNames.Length; o++)
            {
                var width = o == 0 ? Tags : HeadSizes[o - 1];
                var outputShape = outputs[o].GetTensorTypeAndShape().Shape;
                if (outputShape.Length != 3 || outputShape[0] != rows || outputShape[1] != sequence || outputShape[2] != width)
                {
                    throw new EvaluationRefusedException(
                        $"graph output '{_outputNames[o]}' has shape [{string.Join(", ", outputShape)}]; expected [{rows}, {sequence}, {width}]");
                }

                result[o] = outputs[o].GetTensorDataAsSpan<float>().ToArray();
            }

            return result;
        }
    }

    public void Dispose()
    {
        _session.Dispose();
    }

    private static List<string> Check(ModelManifest manifest, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        var errors = new List<string>();
        var names = GraphContract.ManifestInputNames(manifest);
        foreach (var name in names)
        {
            if (!inputs.TryGetValue(name, out var input))
            {
                errors.Add($"manifest input '{name}' is not an input of the graph (graph inputs: {string.Join(", ", inputs.Keys.Order(StringComparer.Ordinal))})");
            }
            else if (!input.IsTensor || input.ElementDataType != TensorElementType.Int64 || input.Dimensions.Length != 2)
            {
                errors.Add($"graph input '{name}' is not an int64 [batch, sequence] tensor");
            }
        }

        errors.AddRange(inputs.Keys.Where(n => !names.Contains(n)).Order(StringComparer.Ordinal)
            .Select(n => $"graph input '{n}' is required but the manifest does not name it"));
        if (!outputs.TryGetValue(manifest.Outputs.Logits, out var logits))
        {
            errors.Add($"manifest output '{manifest.Outputs.Logits}' is not an output of the graph (graph outputs: {string.Join(", ", outputs.Keys.Order(StringComparer.Ordinal))})");
        }
        else if (!logits.IsTensor || logits.ElementDataType != TensorElementType.Float || logits.Dimensions.Length != 3)
        {
            errors.Add($"graph output '{manifest.Outputs.Logits}' is not a float [batch, sequence, tags] tensor (a token classifier's logits)");
        }
        else if (logits.Dimensions[2] > 0 && logits.Dimensions[2] != manifest.Labels.Count)
        {
            errors.Add($"graph output '{manifest.Outputs.Logits}' has {logits.Dimensions[2]} tags in its last dimension but the manifest lists {manifest.Labels.Count} labels");
        }

        var heads = (manifest.Attributes ?? []).Select(a => (a.Output, a.Values.Count, What: $"attribute '{a.Name}'"))
            .Concat(manifest.Normalisation is { } n ? [(n.Output, n.Codes.Count, What: $"{n.System} codes")] : []);
        foreach (var (name, width, what) in heads)
        {
            if (!outputs.TryGetValue(name, out var head))
            {
                errors.Add($"manifest output '{name}' ({what}) is not an output of the graph (graph outputs: {string.Join(", ", outputs.Keys.Order(StringComparer.Ordinal))})");
            }
            else if (!head.IsTensor || head.ElementDataType != TensorElementType.Float || head.Dimensions.Length != 3)
            {
                errors.Add($"graph output '{name}' is not a float [batch, sequence, values] tensor ({what}' logits)");
            }
            else if (head.Dimensions[2] > 0 && head.Dimensions[2] != width)
            {
                errors.Add($"graph output '{name}' has {head.Dimensions[2]} values in its last dimension but the manifest declares {width} for {what}");
            }
        }

        return errors;
    }
}
