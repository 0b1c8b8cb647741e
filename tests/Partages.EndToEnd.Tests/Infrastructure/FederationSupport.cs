using System.Text.Json.Nodes;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests.Infrastructure;

/// <summary>What the fault, stop and privacy tests share: datasets large enough to interrupt, waiting on the watch stream, reading a live log.</summary>
internal static class FederationSupport
{
    public static string NewWorkDirectory(string name)
    {
        var directory = TestAssets.NewDirectory(name);
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Writes <paramref name="copies"/> copies of a JSONL dataset with distinct ids; returns it and its document count.</summary>
    public static async Task<(string Path, long Documents)> RepeatDatasetAsync(string source, string target, int copies)
    {
        var lines = (await File.ReadAllLinesAsync(source)).Where(l => l.Length > 0).ToList();
        await using var writer = new StreamWriter(target);
        for (var copy = 0; copy < copies; copy++)
        {
            foreach (var line in lines)
            {
                var document = JsonNode.Parse(line)!.AsObject();
                document["id"] = $"copy{copy}-{document["id"]}";
                await writer.WriteLineAsync(document.ToJsonString());
            }
        }

        return (target, (long)lines.Count * copies);
    }

    /// <summary>Follows the watch stream until <paramref name="condition"/> holds; fails if the evaluation ends first.</summary>
    public static async Task<EvaluationView> WatchUntilAsync(EvaluatorClient evaluator, string id, Func<EvaluationView, bool> condition, CancellationToken cancellationToken)
    {
        using var call = evaluator.Raw.WatchEvaluation(new GetEvaluationRequest { EvaluationId = id }, cancellationToken: cancellationToken);
        await foreach (var snapshot in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (condition(snapshot))
            {
                return snapshot;
            }

            if (EvaluatorClient.IsFinal(snapshot.State))
            {
                Assert.Fail($"Evaluation {id} became {snapshot.State} before the stop could land: {snapshot}");
            }
        }

        throw new InvalidOperationException($"The watch stream of {id} ended before the condition held.");
    }

    /// <summary>Approves the job (or its result's release) on the node, as the hospital does with <c>jobs approve</c>.</summary>
    public static Task ApproveAsync(LocalFederation federation, NodeHandle node, string runId, CancellationToken cancellationToken) =>
        JobsAsync(federation, node, ["approve", runId], cancellationToken);

    /// <summary>Rejects the job (or its result's release) on the node, as the hospital does with <c>jobs reject</c>.</summary>
    public static Task RejectAsync(LocalFederation federation, NodeHandle node, string runId, string reason, CancellationToken cancellationToken) =>
        JobsAsync(federation, node, ["reject", runId, "--reason", reason], cancellationToken);

    /// <summary>The hospital operator's <c>jobs VERB RUN …</c>, run as its own process beside the agent.</summary>
    private static Task JobsAsync(LocalFederation federation, NodeHandle node, string[] verbAndRun, CancellationToken cancellationToken) =>
        ManagedProcess.RunAsync($"{verbAndRun[0]} {verbAndRun[1]}", Executables.NodeAgent,
            ["jobs", .. verbAndRun, "--config", node.ConfigPath, "--by", "e2e-test"],
            Path.Combine(federation.LogDirectory, "jobs.log"), TimeSpan.FromMinutes(2), cancellationToken);

    /// <summary>Submits <paramref name="spec"/> on the bundle <paramref name="bundleSha256"/> and follows it to its final state.</summary>
    public static async Task<EvaluationView> RunToEndAsync(this EvaluatorClient evaluator, string spec, string bundleSha256, CancellationToken cancellationToken)
    {
        var submitted = await evaluator.SubmitAsync(spec, bundleSha256, cancellationToken: cancellationToken);
        return await evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cancellationToken);
    }

    public static async Task<string> ReadLogAsync(string path)
    {
        // The process's log writer still has the file open.
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The SHA-256 (pin) of the PEM certificate at <paramref name="path"/>, as a node or the coordinator computes it.</summary>
    public static string CertificatePin(string path)
    {
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(path));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(certificate.RawData));
    }
}
