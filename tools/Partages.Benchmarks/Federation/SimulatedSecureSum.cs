using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Partages.Contracts.V1;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Datasets;
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
    public static async Task<NodeSecureSum> ContributeAsync(
        SimulatedNode node, string runId, string resultJson, IReadOnlyDictionary<string, string> peerPins, bool dropAfterMasking, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var vector = SecureSumLayout.Flatten(ResultJson.DeserializeSite(resultJson), SyntheticResults.Labels, SkipKinds.All);
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

            var roster = await client.AdvertiseKeysAsync(
                new AdvertiseKeysRequest { RunId = runId, Advertisement = aggregation.AdvertiseKeys().ToMessage() },
                deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            replies.Add(Stopwatch.GetTimestamp());

            var share = new ShareKeysRequest { RunId = runId };
            share.Shares.AddRange(aggregation.ShareKeys(roster.ToRecord()).Shares.Select(s => s.ToMessage()));
            var delivery = await client.ShareKeysAsync(share, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            replies.Add(Stopwatch.GetTimestamp());

            var masked = aggregation.MaskInput(delivery.ToRecord(), vector.Counts);
            var maskedRequest = new MaskedInputRequest { RunId = runId, RingBits = masked.RingBits };
            maskedRequest.Vector.AddRange(masked.Vector);
            var survivors = await client.SubmitMaskedInputAsync(maskedRequest, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            replies.Add(Stopwatch.GetTimestamp());
            if (dropAfterMasking)
            {
                return new NodeSecureSum(node.Name, vector.Counts, vector.LayoutJson, counter.Read(), replies, Dropped: true, Outcome: null);
            }

            var signature = aggregation.CheckConsistency(survivors.ToRecord());
            var unmasking = await client.SubmitConsistencyAsync(
                new ConsistencyRequest { RunId = runId, Signature = Google.Protobuf.ByteString.CopyFrom(signature.Signature) },
                deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            replies.Add(Stopwatch.GetTimestamp());

            var reveal = new Partages.Contracts.V1.UnmaskingRequest { RunId = runId };
            reveal.Shares.AddRange(aggregation.Unmask(unmasking.ToRecord()).Shares.Select(s => s.ToMessage()));
            var outcome = await client.SubmitUnmaskingAsync(reveal, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            replies.Add(Stopwatch.GetTimestamp());
            return new NodeSecureSum(node.Name, vector.Counts, vector.LayoutJson, counter.Read(), replies, Dropped: false, outcome);
        }
        catch (SecureAggregationException ex)
        {
            throw new BenchmarkFailedException($"Node {node.Name} refused the secure sum of run {runId} at stage {replies.Count} ({ex.Code}): {ex.Message}", ex);
        }
        catch (RpcException ex)
        {
            throw new BenchmarkFailedException($"Node {node.Name}: the coordinator refused stage {Stages[replies.Count]} of run {runId} ({ex.StatusCode}): {ex.Status.Detail}", ex);
        }
    }
}
