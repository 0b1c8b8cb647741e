using System.Diagnostics;
using Partages.Client;
using Partages.Contracts.V1;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Datasets;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.Benchmarks.Federation;

/// <summary>One pooled-only evaluation whose nodes ran the secure sum over gRPC, checked.</summary>
/// <param name="StageLastReply">Per stage of <see cref="SimulatedSecureSum.Stages"/>: when the last node had its reply, after the first Join was sent.</param>
internal sealed record SecureRoundFigures(
    int Round,
    string EvaluationId,
    TimeSpan SubmitToAllOffers,
    TimeSpan AcceptToAllRunning,
    TimeSpan SumToFinalSeen,
    TimeSpan SubmitToFinalSeen,
    IReadOnlyList<TimeSpan> StageLastReply,
    IReadOnlyList<ByteCount> NodeMessages,
    IReadOnlyList<ByteCount> NodeWire,
    int Dropped,
    PhaseUsage Usage,
    string PooledResultJson);

/// <summary>A per-site and a secure evaluation of the same counts (same nodes, same round seed), in the order run.</summary>
internal sealed record SecurePair(int Round, bool SecureFirst, RoundFigures PerSite, SecureRoundFigures Secure);

/// <summary>
/// <c>--secure-aggregation</c>: pairs of evaluations of the same synthetic counts, one released per site and one
/// pooled-only (each node masks its counts and takes part in the five rounds the coordinator relays), alternated
/// (per-site first in even pairs, secure first in odd ones) so load drifts hit both sides. Each secure sum must equal
/// the element-wise sum of the nodes' vectors and the per-site evaluation's pooled counts, or the run fails.
/// </summary>
internal sealed class SecureAggregationPhase(FederationSettings settings, TextWriter progress, FederationBenchmark benchmark, ProcessMeter meter)
{
    public async Task<SecureAggregationFigures> RunAsync(EvaluatorClient evaluator, IReadOnlyList<SimulatedNode> nodes, ArtifactRef bundle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        // Each node's policy lists every other simulated node with its aggregation key's pin (the out-of-band exchange).
        var pins = nodes.ToDictionary(n => n.Name, n => n.AggregationKey.Pin, StringComparer.Ordinal);
        var figures = new SecureAggregationFigures(settings);
        for (var round = 0; round <= settings.Rounds; round++)
        {
            var secureFirst = round % 2 == 1;
            SecureRoundFigures? secure = null;
            if (secureFirst)
            {
                secure = await RunSecureAsync(round, evaluator, nodes, bundle, pins, cancellationToken).ConfigureAwait(false);
            }

            var perSite = await benchmark.RunRoundAsync(round, evaluator, nodes, bundle, meter, cancellationToken).ConfigureAwait(false);
            secure ??= await RunSecureAsync(round, evaluator, nodes, bundle, pins, cancellationToken).ConfigureAwait(false);
            CheckAgainstPerSite(perSite, secure, round);
            var pair = new SecurePair(round, secureFirst, perSite, secure);
            if (round == 0)
            {
                figures.WarmUp = pair;
            }
            else
            {
                figures.Pairs.Add(pair);
            }

            progress.WriteLine($"Pair {round}/{settings.Rounds} checked: the secure sum equals the per-site pooled counts ({(secureFirst ? "secure" : "per-site")} first).");
        }

        return figures;
    }

    private async Task<SecureRoundFigures> RunSecureAsync(
        int round, EvaluatorClient evaluator, IReadOnlyList<SimulatedNode> nodes, ArtifactRef bundle, IReadOnlyDictionary<string, string> pins, CancellationToken cancellationToken)
    {
        var usage = PhaseUsage.Start(meter);
        var wireBefore = nodes.Select(n => n.Wire.Read()).ToList();
        var submitted = Stopwatch.GetTimestamp();
        var evaluation = await evaluator.SubmitAsync(SyntheticResults.SpecYaml(nodes.Count, pooledOnly: true), bundle.Sha256, nodes.Select(n => n.Name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var offers = await benchmark.WithinAsync(
            Task.WhenAll(nodes.Select(n => FederationBenchmark.OfferForAsync(n, evaluation.Id, cancellationToken))),
            $"secure round {round}: an offer of {evaluation.Id} at every node",
            cancellationToken).ConfigureAwait(false);
        var lastOffer = offers.Max(o => o.ReceivedAt);

        await using var watch = EvaluationWatch.Start(evaluator.Raw, evaluation.Id, quietAfterSucceeded: nodes.Count);
        await benchmark.WithinAsync(watch.FirstSnapshot, $"secure round {round}: the first WatchEvaluation snapshot", cancellationToken).ConfigureAwait(false);
        var results = nodes.Select((_, i) => SyntheticResults.For(i, round)).ToList();
        var acceptStarted = Stopwatch.GetTimestamp();
        await Task.WhenAll(nodes.Select((n, i) => n.AcceptAndRunAsync(offers[i].Offer, results[i].Documents))).ConfigureAwait(false);
        var allRunning = await benchmark.WithinAsync(watch.AllRunning, $"secure round {round}: every run reported running", cancellationToken).ConfigureAwait(false);

        // The last node (in name order) is the one that drops, when one does: it is last in no protocol sense.
        var dropping = settings.DropAfterMasking ? nodes.Count - 1 : -1;
        var sumStarted = Stopwatch.GetTimestamp();
        // The first node to fail stops the others (they would wait for it until the round's time runs out) and is reported.
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var cpu = new SemaphoreSlim(Environment.ProcessorCount);
        var parts = nodes.Select((n, i) => Task.Run(
            async () =>
            {
                try
                {
                    return await SimulatedSecureSum.ContributeAsync(n, offers[i].Offer.RunId, results[i].Json, pins, i == dropping, settings.StepTimeout, cpu, failed.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await failed.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            },
            cancellationToken)).ToList();
        NodeSecureSum[] sums;
        try
        {
            sums = await benchmark.WithinAsync(Task.WhenAll(parts), $"secure round {round}: every node's part in the secure sum", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or BenchmarkFailedException
            && parts.FirstOrDefault(p => p.IsFaulted && p.Exception!.InnerException is not OperationCanceledException) is { } first)
        {
            throw first.Exception!.InnerException!;
        }
        var (final, finalSeen) = await benchmark.WithinAsync(watch.Final, $"secure round {round}: the evaluation final with the secure sum", cancellationToken).ConfigureAwait(false);
        var phase = usage();
        var wire = nodes.Select((n, i) => n.Wire.Read() - wireBefore[i]).ToList();
        foreach (var (node, offer) in nodes.Zip(offers))
        {
            node.EndRun(offer.Offer.RunId);
        }

        Check(final, nodes, sums, round);
        var stages = SimulatedSecureSum.Stages.Select((_, k) =>
            Stopwatch.GetElapsedTime(sumStarted, sums.Where(s => s.Replies.Count > k).Max(s => s.Replies[k]))).ToList();
        return new SecureRoundFigures(
            round,
            evaluation.Id,
            Stopwatch.GetElapsedTime(submitted, lastOffer),
            Stopwatch.GetElapsedTime(acceptStarted, allRunning),
            Stopwatch.GetElapsedTime(sumStarted, finalSeen),
            Stopwatch.GetElapsedTime(submitted, finalSeen),
            stages,
            [.. sums.Select(s => s.Messages)],
            wire,
            sums.Count(s => s.Dropped),
            phase,
            final.PooledResultJson);
    }

    /// <summary>
    /// Refuses a secure sum that is not exactly the nodes' counts: completed, every site included (a node that dropped
    /// after masking is in the sum: its self mask is rebuilt from the shares), nothing per site in the pooled result,
    /// and the pooled counts the element-wise sum of every node's vector.
    /// </summary>
    private static void Check(EvaluationView final, IReadOnlyList<SimulatedNode> nodes, IReadOnlyList<NodeSecureSum> sums, int round)
    {
        if (final.State != EvaluationState.Completed)
        {
            throw new BenchmarkFailedException($"Secure round {round}: evaluation {final.Id} ended {final.State}: {final.Reason}");
        }

        if (final.IncludedSites.Count != nodes.Count)
        {
            throw new BenchmarkFailedException($"Secure round {round}: the secure sum of {final.Id} covers {final.IncludedSites.Count} of {nodes.Count} sites.");
        }

        foreach (var sum in sums.Where(s => !s.Dropped))
        {
            if (sum.Outcome is not { Completed: true } outcome || outcome.Contributors.Count != nodes.Count || outcome.DroppedAfterSharing.Count != 0)
            {
                throw new BenchmarkFailedException($"Secure round {round}: node {sum.Node} was told the sum covers {sum.Outcome?.Contributors.Count} site(s) ({sum.Outcome?.Reason}).");
            }
        }

        if (sums.Select(s => s.LayoutJson).Distinct(StringComparer.Ordinal).Count() != 1)
        {
            throw new BenchmarkFailedException($"Secure round {round}: the nodes' layouts differ; the synthetic results do not share one spec layout.");
        }

        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        if (pooled.PerSite.Count != 0 || pooled.SecureSum is null)
        {
            throw new BenchmarkFailedException($"Secure round {round}: the pooled-only result carries {pooled.PerSite.Count} per-site result(s) or no secure_sum section.");
        }

        var expected = new long[sums[0].Counts.Length];
        foreach (var sum in sums)
        {
            for (var k = 0; k < expected.Length; k++)
            {
                expected[k] += sum.Counts[k];
            }
        }

        var actual = PooledCounts(final.PooledResultJson, $"secure round {round}");
        if (!actual.SequenceEqual(expected))
        {
            throw new BenchmarkFailedException($"Secure round {round}: the unmasked sum is not the sum of the nodes' vectors (first difference at slot {FirstDifference(actual, expected)}).");
        }

        if (nodes.FirstOrDefault(n => n.Broken.IsCompleted) is { } broken)
        {
            throw new BenchmarkFailedException($"Secure round {round}: the session of {broken.Name} broke: {broken.Broken.Result.Message}");
        }
    }

    internal static void CheckAgainstPerSite(RoundFigures perSite, SecureRoundFigures secure, int round)
    {
        var plain = PooledCounts(perSite.PooledResultJson, $"per-site round {round}");
        var summed = PooledCounts(secure.PooledResultJson, $"secure round {round}");
        if (!plain.SequenceEqual(summed))
        {
            throw new BenchmarkFailedException($"Pair {round}: the secure sum differs from the per-site pooled counts of the same nodes (first difference at slot {FirstDifference(plain, summed)}).");
        }
    }

    /// <summary>The pooled result's counts in the secure-sum layout (the same flattening the nodes apply to their own).</summary>
    internal static long[] PooledCounts(string pooledResultJson, string what)
    {
        var pooled = ResultJson.DeserializePooled(pooledResultJson).Pooled
            ?? throw new BenchmarkFailedException($"{what}: the evaluation has no pooled result.");
        return SecureSumLayout.Flatten(pooled, SyntheticResults.Labels, SkipKinds.All).Counts;
    }

    private static int FirstDifference(long[] a, long[] b) =>
        a.Length != b.Length ? -1 : Enumerable.Range(0, a.Length).First(k => a[k] != b[k]);
}
