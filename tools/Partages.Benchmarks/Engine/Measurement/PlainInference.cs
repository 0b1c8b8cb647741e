using System.IO.Compression;
using Microsoft.ML.OnnxRuntime;
using Partages.Evaluation.Bundles;

namespace Partages.Benchmarks.Engine.Measurement;

/// <summary>
/// The reference side: one <see cref="InferenceSession"/> on the bundle's own graph, created once, with ONNX Runtime's
/// defaults except the intra-op thread count, running batches tokenized before the clock starts. What is timed is
/// <c>Run</c> per batch and an argmax over its logits (so the result is used), nothing else.
/// </summary>
internal sealed class PlainInference : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private PlainInference(InferenceSession session, ModelManifest manifest)
    {
        _session = session;
        _inputNames = [manifest.Inputs.InputIds, manifest.Inputs.AttentionMask, manifest.Inputs.TokenTypeIds!];
        _outputNames = [manifest.Outputs.Logits];
    }

    public static PlainInference Open(string bundlePath, int intraOpThreads)
    {
        using var zip = ZipFile.OpenRead(bundlePath);
        var manifest = ModelManifest.FromJson(ReadText(zip, ModelManifest.FileName));
        var graph = ReadBytes(zip, manifest.Model);
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        return new PlainInference(new InferenceSession(graph, options), manifest);
    }

    /// <summary>Runs every batch once, in order.</summary>
    /// <param name="gold">Per document, 1 for the second label; for the accuracy, which must equal the engine's.</param>
    public SideFigures Run(IReadOnlyList<TokenizedBatch> batches, IReadOnlyList<int> gold)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(gold);
        long documents = 0, correct = 0;
        var clock = ProcessClock.Start();
        foreach (var batch in batches)
        {
            using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, batch.Shape);
            using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, batch.Shape);
            using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, batch.Shape);
            using var outputs = _session.Run(_runOptions, _inputNames, [ids, mask, types], _outputNames);
            var logits = outputs[0].GetTensorDataAsSpan<float>();
            for (var r = 0; r < batch.Rows; r++)
            {
                // Softmax then argmax picks the same class as argmax of the logits; ties go to the first, as in the engine.
                var predicted = logits[(r * 2) + 1] > logits[r * 2] ? 1 : 0;
                correct += predicted == gold[(int)documents] ? 1 : 0;
                documents++;
            }
        }

        var (wall, cpu) = clock.Elapsed();
        return new SideFigures(documents, wall, cpu, documents == 0 ? 0 : (double)correct / documents);
    }

    /// <summary>One untimed batch: ONNX Runtime plans its memory on the first call.</summary>
    public void WarmUp(TokenizedBatch batch, IReadOnlyList<int> gold) => Run([batch], gold);

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static byte[] ReadBytes(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"the bundle has no '{name}'");
        using var stream = entry.Open();
        using var copy = new MemoryStream(checked((int)entry.Length));
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ReadText(ZipArchive zip, string name) => System.Text.Encoding.UTF8.GetString(ReadBytes(zip, name));
}
