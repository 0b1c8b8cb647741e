using System.Diagnostics;
using Grpc.Core;
using Partages.Client;
using Partages.Contracts.V1;
using Partages.Coordinator.Hosting;
using Partages.Demo.Federation;

namespace Partages.Benchmarks.Federation;

/// <summary>What the stop phase measured: how long SIGTERM took with every session open, and how the streams ended.</summary>
internal sealed record StopFigures(int Sessions, int ExitCode, TimeSpan Exit, int SessionsEndedStopping, bool WatchEndedCleanly, IReadOnlyList<string> OtherEndings);

/// <summary>
/// The coordinator stopped as Kubernetes stops it (SIGTERM) with every simulated node's session open and a
/// WatchEvaluation stream on an evaluation held running (its offers are left unanswered): ERRATA 13's target is an
/// exit within 5 s with 200 sessions, where open streams used to hold it for the host's 30 s shutdown timeout.
/// </summary>
internal sealed class StopPhase(FederationSettings settings, Func<Task, string, CancellationToken, Task> within)
{
    public async Task<StopFigures> RunAsync(LocalFederation federation, EvaluatorClient evaluator, IReadOnlyList<SimulatedNode> nodes, string workDirectory, CancellationToken cancellationToken)
    {
        var bundle = await FederationBenchmark.UploadRandomArtifactAsync(evaluator, Path.Combine(workDirectory, "stop-bundle.bin"), 64 * 1024, cancellationToken).ConfigureAwait(false);
        var evaluation = await evaluator.SubmitAsync(SyntheticResults.SpecYaml(nodes.Count), bundle.Sha256, nodes.Select(n => n.Name), cancellationToken: cancellationToken).ConfigureAwait(false);
        await within(Task.WhenAll(nodes.Select(n => FederationBenchmark.OfferForAsync(n, evaluation.Id, cancellationToken))), "stop: an offer at every node", cancellationToken).ConfigureAwait(false);
        using var watch = evaluator.Raw.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluation.Id }, cancellationToken: cancellationToken);
        if (!await watch.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) || watch.ResponseStream.Current.State != EvaluationState.Running)
        {
            throw new BenchmarkFailedException($"Stop: the watch of {evaluation.Id} did not start on a running evaluation.");
        }

        var clock = Stopwatch.StartNew();
        var exitCode = await federation.Coordinator.StopAsync(StopSignal.Terminate, settings.StepTimeout, cancellationToken).ConfigureAwait(false);
        var exited = clock.Elapsed;

        var endings = new List<Exception>();
        foreach (var node in nodes)
        {
            endings.Add(await node.Broken.WaitAsync(settings.StepTimeout, cancellationToken).ConfigureAwait(false));
        }

        bool watchEnded;
        try
        {
            watchEnded = !await watch.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            watchEnded = false;
        }

        static bool Stopping(Exception e) => e is RpcException { StatusCode: StatusCode.Unavailable } rpc && rpc.Status.Detail == StreamShutdown.Detail;
        var others = endings.Where(e => !Stopping(e))
            .GroupBy(e => e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{e.GetType().Name}: {e.Message}")
            .Select(g => $"{g.Count()} × {g.Key}")
            .ToList();
        return new StopFigures(nodes.Count, exitCode, exited, endings.Count(Stopping), watchEnded, others);
    }
}
