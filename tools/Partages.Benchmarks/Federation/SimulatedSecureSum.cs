using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Partages.Contracts.V1;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.SecureSum;
using Partages.SecureAggregation;
using Partages.SecureAggregation.Protocol;

namespace Partages.Benchmarks.Federation;

/// <summary>What one simulated node did in a secure sum: its vector, its message bytes, when each round answered it.</summary>
/// <param name="Replies">Stopwatch timestamps of the replies to Join, AdvertiseKeys, ShareKeys, SubmitMaskedInput, SubmitConsistency, SubmitUnmasking (fewer when it dropped).</param>
internal sealed record NodeSecureSum(string Node, long[] Counts, string LayoutJson, ByteCount Messages, IReadOnlyList<long> Replies, bool Dropped, SecureSumOutcome? Outcome);

/// <summary>
/// A simulated node's part in a secure sum, over its own mTLS connection: the library's <see cref="AggregationClient"/>
/// (keys, Shamir sharing, share encryption, masks, every check of the peers) mapped to the wire by
/// <see cref="SecureSumWire"/>, and the vector laid out by <see cref="SecureSumLayout"/> with the agent's skip kinds:
/// the node agent's own steps (node-agent SecureSumContribution), without its policy file, key file and release gate.
/// The synthetic counts are exact (no noise), so the benchmark can check the sum.
/// </summary>
internal static class SimulatedSecureSum
{
    /// <summary>The stages timed, in order (the reply each node waits for).</summary>
    public static readonly string[] Stages = ["join", "advertise keys", "share keys", "masked input", "consistency", "unmasking"];

    /// <param name="dropAfterMasking">Go silent once the masked vector is in (as a node killed then would): no consistency signature, no shares revealed.</param>
    /// <param name="cpu">
    /// Bounds the nodes' crypto steps running at once to the cores: hundreds of nodes computing at once in one process
    /// would starve the thread pool, and with it every node's heartbeats and reads (each node has its own machine in
    /// production). A node waiting for its turn holds no thread.
    /// </param>
    public static async Task<NodeSecureSum> ContributeAsync(
        SimulatedNode node, string runId, string resultJson, IReadOnlyDictionary<string, string> peerPins, bool dropAfterMasking, TimeSpan callTimeout, SemaphoreSlim cpu, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(cpu);
        var vector = await OnCpuAsync(cpu, () => SecureSumLayout.Flatten(ResultJson.DeserializeSite(resultJson), SyntheticResults.Labels, SkipKinds.All), cancellationToken).ConfigureAwait(false);
        var counter = new MessageByteCounter();
        var client = new SecureAggregationService.SecureAggregationServiceClient(node.CallInvoker.Intercept(counter));
        var replies = new List<long>(Stages.Length);
        DateTime Deadline() => DateTime.UtcNow + callTimeout;
        try
        {
            var parameters = await client.JoinAsync(
                new JoinSecureSumRequest { RunId = runId, VectorLength = vector.Counts.Length, LayoutJson = vector.LayoutJson },
                deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            replies.Add(Stopwatch.GetTimestamp());
            using var aggregation = new AggregationClient(node.Name, parameters.ToParameters(), node.AggregationKey, new AggregationPolicy(3, peerPins));
            // The node agent's own sequence of rounds (SecureSumRounds), each reply timed.
            var outcome = await SecureSumRounds.RunAsync(
                client, runId, aggregation, vector.Counts, new SimulatedSteps(cpu, callTimeout, replies, cancellationToken), dropAfterMasking, cancellationToken).ConfigureAwait(false);
            return new NodeSecureSum(node.Name, vector.Counts, vector.LayoutJson, counter.Read(), replies, Dropped: outcome is null, outcome);
        }
        catch (SecureAggregationException ex)
        {
            throw new BenchmarkFailedException($"Node {node.Name} refused the secure sum of run {runId} at stage {replies.Count} ({ex.Code}): {ex.Message}", ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"Node {node.Name}: stopped at stage {Stages[replies.Count]}.", ex, cancellationToken);
        }
        catch (RpcException ex)
        {
            var session = node.Broken.IsCompleted ? $"; its Session stream had broken: {node.Broken.Result.Message}" : "";
            throw new BenchmarkFailedException($"Node {node.Name}: stage {Stages[replies.Count]} of run {runId} failed ({ex.StatusCode}): {ex.Status.Detail}{session}", ex);
        }
    }

    private static async Task<T> OnCpuAsync<T>(SemaphoreSlim cpu, Func<T> step, CancellationToken cancellationToken)
    {
        await cpu.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return step();
        }
        finally
        {
            cpu.Release();
        }
    }

    /// <summary>A simulated node's steps: its crypto bounded to the cores, every call with the step timeout, every reply timed.</summary>
    private sealed class SimulatedSteps(SemaphoreSlim cpu, TimeSpan callTimeout, List<long> replies, CancellationToken cancellationToken) : ISecureSumSteps
    {
        public Task<T> StepAsync<T>(Func<T> step) => OnCpuAsync(cpu, step, cancellationToken);

        public async Task<T> CallAsync<T>(int round, Func<DateTime, AsyncUnaryCall<T>> call)
        {
            var reply = await call(DateTime.UtcNow + callTimeout).ResponseAsync.ConfigureAwait(false);
            replies.Add(Stopwatch.GetTimestamp());
            return reply;
        }
    }
}
