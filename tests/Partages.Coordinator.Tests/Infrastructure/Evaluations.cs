using System.IO.Compression;
using Google.Protobuf;
using Partages.Evaluation.Metrics;

namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>What an evaluator does: upload a bundle, write a spec, watch an evaluation; and what a node releases.</summary>
public static class Evaluations
{
    public const string Task = "single_label_classification";

    public static readonly string[] Labels = ["sensible", "BLSE", "SARM", "EPC"];

    public static string Spec(string name = "amr-test", int minSites = 1, int deadlineMinutes = 60) => $"""
        version: 1
        name: {name}
        task: {Task}
        dataset: amr-reports
        labels: [sensible, BLSE, SARM, EPC]
        min_sites: {minSites}
        deadline_minutes: {deadlineMinutes}
        """;

    /// <summary>A spec with four errors at known places (<see cref="MalformedSpecErrors"/>), for the tests of how the API reports them.</summary>
    public const string MalformedSpec = """
        version: 1
        name: Not A Slug
        task: regression
        dataset: amr-reports
        labels: [only-one]
        min_sites: zero
        """;

    /// <summary><see cref="MalformedSpec"/>'s errors in order: the field, and where it is as the messages begin ("line L, column C: ").</summary>
    public static readonly (string Field, string Position)[] MalformedSpecErrors =
        [("name", "line 2, column 7: "), ("task", "line 3, column 7: "), ("labels", "line 5, column 9: "), ("min_sites", "line 6, column 12: ")];

    /// <summary>Uploads bytes as an artifact, in chunks of <paramref name="chunkBytes"/>.</summary>
    public static async Task<ArtifactRef> UploadAsync(EvaluationService.EvaluationServiceClient client, byte[] bytes, int chunkBytes = 64 * 1024, string? announcedSha256 = null)
    {
        using var call = client.UploadArtifact(deadline: TestCoordinator.Deadline());
        try
        {
            await call.RequestStream.WriteAsync(new UploadArtifactRequest
            {
                Header = new ArtifactRef { Sha256 = announcedSha256 ?? ContentHash.Of(bytes), SizeBytes = bytes.Length, MediaType = "application/zip" },
            });
            for (var offset = 0; offset < bytes.Length; offset += chunkBytes)
            {
                var length = Math.Min(chunkBytes, bytes.Length - offset);
                await call.RequestStream.WriteAsync(new UploadArtifactRequest { Data = ByteString.CopyFrom(bytes, offset, length) });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
        {
            // The server may answer (e.g. PERMISSION_DENIED) before reading everything: its status is in the response.
        }

        return await call.ResponseAsync;
    }

    /// <summary>
    /// A model bundle of exactly <paramref name="size"/> bytes, as the coordinator accepts one (a zip with a valid
    /// manifest.json): the model entry is deterministic pseudo-random bytes, stored uncompressed so the size is exact.
    /// </summary>
    public static byte[] FakeBundle(int size, int seed = 7)
    {
        var model = new byte[size];
        new Random(seed).NextBytes(model);
        var overhead = Zip(model, 0).Length;
        var bundle = Zip(model, size - overhead);
        return bundle.Length == size ? bundle : throw new InvalidOperationException($"A fake bundle cannot be {size} bytes (the zip alone takes {overhead}).");
    }

    public const string ManifestJson =
        "{\"name\":\"fake\",\"task\":\"single_label_classification\",\"labels\":[\"sensible\",\"BLSE\",\"SARM\",\"EPC\"],\"tokenizer\":{\"kind\":\"bert_wordpiece\",\"vocab\":\"vocab.txt\"}}";

    private static byte[] Zip(byte[] model, int modelBytes)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var manifest = zip.CreateEntry("manifest.json", CompressionLevel.NoCompression);
            manifest.LastWriteTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            using (var stream = manifest.Open())
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(ManifestJson));
            }

            var onnx = zip.CreateEntry("model.onnx", CompressionLevel.NoCompression);
            onnx.LastWriteTime = manifest.LastWriteTime;
            using (var stream = onnx.Open())
            {
                stream.Write(model, 0, Math.Max(0, modelBytes));
            }
        }

        return buffer.ToArray();
    }

    public static async Task<ArtifactRef> UploadBundleAsync(EvaluationService.EvaluationServiceClient client, int seed = 7) =>
        await UploadAsync(client, FakeBundle(10_000, seed));

    public static Task<Contracts.V1.Evaluation> SubmitAsync(EvaluationService.EvaluationServiceClient client, string bundleSha256, string spec, params string[] nodes)
    {
        var request = new SubmitEvaluationRequest { SpecYaml = spec, ModelBundleSha256 = bundleSha256 };
        request.Nodes.AddRange(nodes);
        return client.SubmitEvaluationAsync(request, deadline: TestCoordinator.Deadline()).ResponseAsync;
    }

    /// <summary>Reads the Watch stream until a snapshot satisfies <paramref name="condition"/>; no polling.</summary>
    public static async Task<Contracts.V1.Evaluation> WatchUntilAsync(
        EvaluationService.EvaluationServiceClient client, string evaluationId, Func<Contracts.V1.Evaluation, bool> condition)
    {
        using var call = client.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluationId }, deadline: TestCoordinator.Deadline());
        Contracts.V1.Evaluation? last = null;
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                last = call.ResponseStream.Current;
                if (condition(last))
                {
                    return last;
                }
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            throw new TimeoutException($"The expected state did not come within {TestCoordinator.CallTimeout}; last snapshot: {last}", ex);
        }

        throw new InvalidOperationException($"The watch ended without the expected state; last snapshot: {last}");
    }

    /// <summary>A released site result with the given confusion matrix (rows gold, columns predicted, in <see cref="Labels"/> order).</summary>
    public static string SiteResult(long[][] matrix, string[]? labels = null)
    {
        var counts = ClassificationCounts.FromMatrix(labels ?? Labels, [.. matrix.Select(row => (IReadOnlyList<long>)row)]);
        var documents = counts.DocumentCount;
        return ResultJson.Serialize(ResultDocument.FromCounts(Task, counts, new InputSummary { DocumentsRead = documents, DocumentsEvaluated = documents }));
    }
}
