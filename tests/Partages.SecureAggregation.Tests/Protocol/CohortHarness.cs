using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Protocol;

namespace Partages.SecureAggregation.Tests.Protocol;

/// <summary>
/// A cohort of in-process nodes and one coordinator, driven round by round. Each step takes the nodes that take part
/// in it, so a test drops any node at any round by leaving it out.
/// </summary>
internal sealed class CohortHarness : IDisposable
{
    private CohortHarness(SessionParameters parameters, IReadOnlyList<string> ids, Dictionary<string, AggregationIdentity> identities, Random random, int minimumCohortSize)
    {
        Parameters = parameters;
        Ids = ids;
        Identities = identities;
        Server = new AggregationServer(parameters);
        foreach (var id in ids)
        {
            Clients[id] = new AggregationClient(id, parameters, identities[id], PolicyFor(id, minimumCohortSize));
            Inputs[id] = Enumerable.Range(0, parameters.VectorLength).Select(_ => random.NextInt64(-(1L << 40), 1L << 40)).ToArray();
        }
    }

    public SessionParameters Parameters { get; }

    public IReadOnlyList<string> Ids { get; }

    public Dictionary<string, AggregationIdentity> Identities { get; }

    public Dictionary<string, AggregationClient> Clients { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long[]> Inputs { get; } = new(StringComparer.Ordinal);

    public AggregationServer Server { get; }

    public static CohortHarness Create(int n, int threshold, int vectorLength, Random random, int minimumCohortSize = 3, string evaluationId = "eval-1")
    {
        // Ids are not in ordinal order of creation on purpose ("node-10" sorts before "node-2").
        var ids = Enumerable.Range(1, n).Select(i => $"node-{i}").ToList();
        var identities = ids.ToDictionary(id => id, _ => AggregationIdentity.Create(), StringComparer.Ordinal);
        return new CohortHarness(new SessionParameters(evaluationId, vectorLength, threshold), ids, identities, random, minimumCohortSize);
    }

    /// <summary>A second session (another evaluation) among the same nodes with the same long-term keys.</summary>
    public CohortHarness NextSession(string evaluationId, Random random) =>
        new(Parameters with { EvaluationId = evaluationId }, Ids, Identities, random, 3);

    public AggregationPolicy PolicyFor(string id, int minimumCohortSize = 3) => new(
        minimumCohortSize,
        Ids.Where(other => other != id).ToDictionary(other => other, other => Identities[other].Pin, StringComparer.Ordinal));

    public KeyRoster Advertise(IEnumerable<string> nodes)
    {
        foreach (var id in nodes)
        {
            Server.Accept(Clients[id].AdvertiseKeys());
        }
        return Server.CloseAdvertising();
    }

    public IReadOnlyDictionary<string, ShareDelivery> Share(KeyRoster roster, IEnumerable<string> nodes)
    {
        foreach (var id in nodes)
        {
            Server.Accept(Clients[id].ShareKeys(roster));
        }
        return Server.CloseSharing();
    }

    public SurvivorList Mask(IReadOnlyDictionary<string, ShareDelivery> deliveries, IEnumerable<string> nodes)
    {
        foreach (var id in nodes)
        {
            Server.Accept(Clients[id].MaskInput(deliveries[id], Inputs[id]));
        }
        return Server.CloseMasking();
    }

    public UnmaskingRequest Confirm(SurvivorList survivors, IEnumerable<string> nodes)
    {
        foreach (var id in nodes)
        {
            Server.Accept(Clients[id].CheckConsistency(survivors));
        }
        return Server.CloseConsistencyCheck();
    }

    public AggregationResult Unmask(UnmaskingRequest request, IEnumerable<string> nodes)
    {
        foreach (var id in nodes)
        {
            Server.Accept(Clients[id].Unmask(request));
        }
        return Server.Finish();
    }

    /// <summary>Rounds 0 to 3, up to the coordinator's unmasking request; only <paramref name="survivors"/> (default: all) send vectors.</summary>
    public UnmaskingRequest RunUntilUnmasking(IReadOnlyCollection<string>? survivors = null)
    {
        var roster = Advertise(Ids);
        var deliveries = Share(roster, Ids);
        var list = Mask(deliveries, survivors ?? Ids);
        return Confirm(list, list.Survivors);
    }

    /// <summary>Round 0 with the first <paramref name="members"/> nodes plus an outsider's advertisement, as a hostile coordinator would assemble it.</summary>
    public KeyRoster AdvertiseWith(int members, AggregationClient outsider)
    {
        foreach (var id in Ids.Take(members))
        {
            Server.Accept(Clients[id].AdvertiseKeys());
        }
        Server.Accept(outsider.AdvertiseKeys());
        return Server.CloseAdvertising();
    }

    /// <summary>Runs all rounds; each set lists who drops just before that round.</summary>
    public AggregationResult Run(
        IReadOnlyCollection<string>? beforeSharing = null,
        IReadOnlyCollection<string>? beforeMasking = null,
        IReadOnlyCollection<string>? beforeConsistency = null,
        IReadOnlyCollection<string>? beforeUnmasking = null)
    {
        var alive = Ids.ToList();
        var roster = Advertise(alive);
        alive = alive.Except(beforeSharing ?? []).ToList();
        var deliveries = Share(roster, alive);
        alive = alive.Except(beforeMasking ?? []).ToList();
        var survivors = Mask(deliveries, alive);
        alive = alive.Except(beforeConsistency ?? []).ToList();
        var request = Confirm(survivors, alive);
        alive = alive.Except(beforeUnmasking ?? []).ToList();
        return Unmask(request, alive);
    }

    public long[] PlainSum(IEnumerable<string> nodes)
    {
        var sum = new long[Parameters.VectorLength];
        foreach (var id in nodes)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += Inputs[id][i];
            }
        }
        return sum;
    }

    public void Dispose()
    {
        foreach (var client in Clients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>Disposes the long-term identities too (call once per set of sessions).</summary>
    public void DisposeIdentities()
    {
        foreach (var identity in Identities.Values)
        {
            identity.Dispose();
        }
    }
}
