using System.Diagnostics;
using System.Globalization;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// "Measure YARP first" (issue 18): many long-lived gRPC streams (watches of one open evaluation) straight to a real
/// coordinator and through the gateway, alternating the sides; then one change (the evaluation cancelled) that every
/// stream must receive. Prints the time to open every stream, the fan-out latency of the change (median and slowest),
/// and the gateway's CPU seconds and peak memory. A measurement, run on demand (docs/benchmarks.md, "Gateway streams"):
/// <c>dotnet test tests/Partages.EndToEnd.Tests --filter "FullyQualifiedName~GatewayStreamsMeasurement"</c>.
/// </summary>
[Explicit("measurement: run on demand, figures in docs/benchmarks.md")]
[NonParallelizable]
public sealed class GatewayStreamsMeasurement
{
    [TestCase(500)]
    [TestCase(1000)]
    public async Task Watches_ManyLongLivedStreams_EveryStreamGetsTheChangeDirectAndThroughTheGateway(int streams)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        var work = FederationSupport.NewWorkDirectory("gateway-streams");
        var assets = TestAssets.Assets;
        await using (var federation = await LocalFederation.StartAsync(new FederationOptions
        {
            WorkDirectory = work,
            StartTimeout = TimeSpan.FromMinutes(3),
            PinnedBundleSha256 = [assets.BundleSha256],
        }, cts.Token))
        {
            var (gateway, gatewayUrl) = await federation.StartGatewayAsync([federation.CoordinatorUrl], cts.Token);
            // Enrolled, then stopped: its runs wait offline, so each evaluation stays open until cancelled.
            var node = await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", assets.Hospitals[0].AmrPath)], cts.Token);
            await federation.Coordinator.WaitForLineAsync(new Regex("Node site-a connected"), TimeSpan.FromMinutes(2), cts.Token);
            await node.KillAsync();
            var token = await federation.CreateApiTokenAsync("streams", "evaluator", cts.Token);
            using var setupChannel = federation.CreateEvaluatorChannel(token);
            var bundle = await new EvaluatorClient(setupChannel).UploadBundleAsync(assets.BundlePath, cts.Token);

            foreach (var (side, url) in new[] { ("direct", federation.CoordinatorUrl), ("gateway", gatewayUrl), ("direct", federation.CoordinatorUrl), ("gateway", gatewayUrl) })
            {
                var (gatewayCpu, coordinatorCpu) = (CpuSeconds(gateway.Id), CpuSeconds(federation.Coordinator.Id));
                var round = await RoundAsync(federation, token, url, bundle.Sha256, streams, cts.Token);
                await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{side,-7} {streams} streams: all open in {round.Open.TotalSeconds:0.00} s; change seen by all in {round.Slowest.TotalMilliseconds:0} ms (median {round.Median.TotalMilliseconds:0} ms); " +
                    $"CPU s gateway {CpuSeconds(gateway.Id) - gatewayCpu:0.00}, coordinator {CpuSeconds(federation.Coordinator.Id) - coordinatorCpu:0.00}; gateway VmHWM {PeakMiB(gateway.Id):0} MiB"));
            }

            await TestContext.Out.WriteLineAsync($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
        }

        Directory.Delete(work, recursive: true);
    }

    private static async Task<(TimeSpan Open, TimeSpan Median, TimeSpan Slowest)> RoundAsync(
        LocalFederation federation, string token, Uri url, string bundleSha256, int streams, CancellationToken cancellationToken)
    {
        using var channel = federation.CreateEvaluatorChannel(token, url);
        var evaluator = new EvaluatorClient(channel);
        var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site-a"]), bundleSha256, cancellationToken: cancellationToken);
        var clock = Stopwatch.StartNew();
        using var opened = new CountdownEvent(streams);
        var cancelledAt = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watches = Enumerable.Range(0, streams).Select(async _ =>
        {
            using var call = evaluator.Raw.WatchEvaluation(new GetEvaluationRequest { EvaluationId = submitted.Id, ChangesOnly = true }, cancellationToken: cancellationToken);
            var first = true;
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                if (first)
                {
                    first = false;
                    opened.Signal();
                }

                if (call.ResponseStream.Current.State == EvaluationState.Cancelled)
                {
                    return clock.Elapsed - await cancelledAt.Task;
                }
            }

            throw new InvalidOperationException("A watch ended before the cancellation reached it.");
        }).ToList();
        await Task.Run(() => opened.Wait(cancellationToken), cancellationToken);
        var open = clock.Elapsed;

        var cancelling = clock.Elapsed;
        await evaluator.Raw.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = submitted.Id, Reason = "measurement round over" }, cancellationToken: cancellationToken);
        cancelledAt.SetResult(cancelling);
        var latencies = (await Task.WhenAll(watches)).Order().ToList();
        latencies.Should().HaveCount(streams, "every stream receives the change");
        return (open, latencies[latencies.Count / 2], latencies[^1]);
    }

    /// <summary>User + system CPU seconds of a process so far (/proc/PID/stat, clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The process's peak resident memory (VmHWM), in MiB.</summary>
    private static double PeakMiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}
