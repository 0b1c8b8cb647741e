using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Protocol;

namespace Partages.SecureAggregation.Tests.Protocol;

/// <summary>What honest nodes refuse when the coordinator (or whoever sits in its place) misbehaves.</summary>
public sealed class HostileCoordinatorTests
{
    private CohortHarness _cohort = null!;

    [SetUp]
    public void SetUp() => _cohort = CohortHarness.Create(5, 3, 6, new Random(11));

    [TearDown]
    public void TearDown()
    {
        _cohort.Dispose();
        _cohort.DisposeIdentities();
    }

    [Test]
    public void Unmask_RequestForBothSecretsOfOneNode_RefusedByHonestNode()
    {
        var request = _cohort.RunUntilUnmasking();
        // The coordinator pretends node-3 dropped so as to get its masking key as well as its self mask.
        var greedy = request with { MaskingKeySharesOf = ["node-3"] };

        var act = () => _cohort.Clients["node-1"].Unmask(greedy);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.ForbiddenRequest)
            .WithMessage("*both the self-mask and the masking-key shares of node-3*");
    }

    [Test]
    public void Unmask_SurvivorAskedForAsDropped_Refused()
    {
        var request = _cohort.RunUntilUnmasking();
        var swapped = request with
        {
            SelfMaskSharesOf = request.SelfMaskSharesOf.Where(id => id != "node-3").ToList(),
            MaskingKeySharesOf = ["node-3"],
        };

        var act = () => _cohort.Clients["node-2"].Unmask(swapped);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.ForbiddenRequest);
    }

    [Test]
    public void Unmask_CoordinatorShowedDifferentSurvivorListsToDifferentNodes_RefusedAtConsistencyCheck()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        foreach (var id in _cohort.Ids)
        {
            _cohort.Server.Accept(_cohort.Clients[id].MaskInput(deliveries[id], _cohort.Inputs[id]));
        }
        // Half the nodes are told node-5 survived (they will reveal its self mask), half that it dropped (its masking key).
        var full = new SurvivorList(_cohort.Ids.Order(StringComparer.Ordinal).ToList());
        var without5 = new SurvivorList(full.Survivors.Where(id => id != "node-5").ToList());
        var signatures = new List<ConsistencySignature>
        {
            _cohort.Clients["node-1"].CheckConsistency(full),
            _cohort.Clients["node-2"].CheckConsistency(full),
            _cohort.Clients["node-3"].CheckConsistency(without5),
            _cohort.Clients["node-4"].CheckConsistency(without5),
        };
        var request = new UnmaskingRequest(signatures, without5.Survivors, ["node-5"]);

        var act = () => _cohort.Clients["node-3"].Unmask(request);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.BadSignature)
            .WithMessage("*signed a different survivor list*");
    }

    [Test]
    public void Unmask_FewerThanThresholdConfirmations_Refused()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        var survivors = _cohort.Mask(deliveries, _cohort.Ids);
        var signatures = _cohort.Ids.Take(2).Select(id => _cohort.Clients[id].CheckConsistency(survivors)).ToList();
        _cohort.Clients["node-3"].CheckConsistency(survivors);

        var act = () => _cohort.Clients["node-3"].Unmask(new UnmaskingRequest(signatures, survivors.Survivors, []));

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.TooFewMembers);
    }

    [Test]
    public void Unmask_AskedTwice_RefusedTheSecondTime()
    {
        var request = _cohort.RunUntilUnmasking();
        _cohort.Clients["node-1"].Unmask(request);

        var act = () => _cohort.Clients["node-1"].Unmask(request with { SelfMaskSharesOf = [], MaskingKeySharesOf = request.SelfMaskSharesOf });

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.WrongRound);
    }

    [Test]
    public void ShareKeys_SybilNodeInventedByCoordinator_RefusedAsUnknownPeer()
    {
        using var sybilIdentity = AggregationIdentity.Create();
        var sybilPolicy = new AggregationPolicy(3, _cohort.Ids.ToDictionary(id => id, id => _cohort.Identities[id].Pin));
        using var sybil = new AggregationClient("node-99", _cohort.Parameters, sybilIdentity, sybilPolicy);
        var roster = _cohort.AdvertiseWith(3, sybil);

        var act = () => _cohort.Clients["node-1"].ShareKeys(roster);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.UnknownPeer)
            .WithMessage("*node-99*not in this node's list of agreed peers*");
    }

    [Test]
    public void ShareKeys_PeerKeySubstitutedUnderAKnownName_RefusedByPin()
    {
        using var impostorIdentity = AggregationIdentity.Create();
        using var impostor = new AggregationClient("node-4", _cohort.Parameters, impostorIdentity, _cohort.PolicyFor("node-4"));
        var roster = _cohort.AdvertiseWith(3, impostor);

        var act = () => _cohort.Clients["node-1"].ShareKeys(roster);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.BadSignature)
            .WithMessage("*'node-4' does not match the pin*");
    }

    [Test]
    public void ShareKeys_EphemeralKeySwappedByRelay_RefusedAsBadSignature()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var victim = roster.Members.Single(m => m.NodeId == "node-2");
        using var coordinatorKey = KeyAgreement.CreateEphemeral();
        var tampered = new KeyRoster(roster.Members.Select(m => m == victim ? m with { MaskingPublicKey = coordinatorKey.ExportSubjectPublicKeyInfo() } : m).ToList());

        var act = () => _cohort.Clients["node-1"].ShareKeys(tampered);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.BadSignature).WithMessage("*node-2*does not verify*");
    }

    [Test]
    public void ShareKeys_CohortBelowNodesMinimum_Refused()
    {
        using var strict = new AggregationClient("node-1", _cohort.Parameters, _cohort.Identities["node-1"], _cohort.PolicyFor("node-1", minimumCohortSize: 5));
        _cohort.Server.Accept(strict.AdvertiseKeys());
        foreach (var id in _cohort.Ids.Skip(1).Take(3))
        {
            _cohort.Server.Accept(_cohort.Clients[id].AdvertiseKeys());
        }
        var roster = _cohort.Server.CloseAdvertising();

        var act = () => strict.ShareKeys(roster);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.TooFewMembers)
            .WithMessage("*4 members*requires at least 5*");
    }

    [Test]
    public void ShareKeys_ThresholdNotAboveHalfTheCohort_Refused()
    {
        using var cohort = CohortHarness.Create(6, 3, 2, new Random(5));
        var roster = cohort.Advertise(cohort.Ids);

        var act = () => cohort.Clients["node-1"].ShareKeys(roster);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.UnsafeParameters).WithMessage("*threshold 3*cohort of 6*");
        cohort.DisposeIdentities();
    }

    [Test]
    public void MaskInput_ShareDeliveredTwice_RefusedAsDuplicate()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        var delivery = deliveries["node-1"];
        var replayed = delivery with { Shares = [.. delivery.Shares, delivery.Shares[0]] };

        var act = () => _cohort.Clients["node-1"].MaskInput(replayed, _cohort.Inputs["node-1"]);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Duplicate);
    }

    [Test]
    public void MaskInput_ShareReplayedFromAnotherEvaluation_RefusedAsUndecryptable()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        using var other = _cohort.NextSession("eval-2", new Random(12));
        var otherRoster = other.Advertise(other.Ids);
        var otherDeliveries = other.Share(otherRoster, other.Ids);
        // The coordinator slips node-2's share from eval-2 into node-1's eval-1 delivery.
        var replayedShare = otherDeliveries["node-1"].Shares.Single(s => s.Sender == "node-2");
        var delivery = deliveries["node-1"];
        var tampered = delivery with { Shares = delivery.Shares.Select(s => s.Sender == "node-2" ? replayedShare : s).ToList() };

        var act = () => _cohort.Clients["node-1"].MaskInput(tampered, _cohort.Inputs["node-1"]);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed).WithMessage("*node-2*does not decrypt*");
    }

    [Test]
    public void MaskInput_ShareFromOutsideTheCohort_Refused()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        var delivery = deliveries["node-1"];
        var foreign = delivery with { Shares = [.. delivery.Shares, delivery.Shares[0] with { Sender = "node-77" }] };

        var act = () => _cohort.Clients["node-1"].MaskInput(foreign, _cohort.Inputs["node-1"]);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.OutsideCohort).WithMessage("*node-77*");
    }

    [Test]
    public void CheckConsistency_SurvivorListOmittingThisNode_Refused()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        var survivors = _cohort.Mask(deliveries, _cohort.Ids);

        var act = () => _cohort.Clients["node-1"].CheckConsistency(new SurvivorList(survivors.Survivors.Where(id => id != "node-1").ToList()));

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.OutsideCohort);
    }

    [Test]
    public void MaskInput_BeforeShareKeys_RefusedAsWrongRound()
    {
        _cohort.Clients["node-1"].AdvertiseKeys();

        var act = () => _cohort.Clients["node-1"].MaskInput(new ShareDelivery("node-1", []), _cohort.Inputs["node-1"]);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.WrongRound);
    }

    [Test]
    public void Client_AfterARefusal_RefusesEverythingElse()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var bad = new KeyRoster([.. roster.Members, roster.Members[0]]);
        var first = () => _cohort.Clients["node-1"].ShareKeys(bad);
        first.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Duplicate);

        var act = () => _cohort.Clients["node-1"].ShareKeys(roster);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.SessionFailed);
    }
}
