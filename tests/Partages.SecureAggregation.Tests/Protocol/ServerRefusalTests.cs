using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Protocol;

namespace Partages.SecureAggregation.Tests.Protocol;

/// <summary>Bad messages the coordinator refuses while the round goes on, and rounds that fail without a sum.</summary>
public sealed class ServerRefusalTests
{
    private CohortHarness _cohort = null!;

    [SetUp]
    public void SetUp() => _cohort = CohortHarness.Create(5, 3, 6, new Random(21));

    [TearDown]
    public void TearDown()
    {
        _cohort.Dispose();
        _cohort.DisposeIdentities();
    }

    [Test]
    public void CloseMasking_FewerThanThresholdSurvivors_FailsAndRevealsNothing()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);

        var act = () => _cohort.Mask(deliveries, ["node-1", "node-2"]);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.TooFewMembers)
            .WithMessage("*only 2 members sent masked vectors, the threshold is 3; no sum is revealed*");
        _cohort.Server.Round.Should().Be(AggregationServer.ServerRound.Failed);
        var later = () => _cohort.Server.Accept(_cohort.Clients["node-3"].MaskInput(deliveries["node-3"], _cohort.Inputs["node-3"]));
        later.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.SessionFailed);
    }

    [Test]
    public void Finish_FewerThanThresholdUnmaskingResponses_FailsWithoutASum()
    {
        var request = _cohort.RunUntilUnmasking();

        var act = () => _cohort.Unmask(request, ["node-1", "node-2"]);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.TooFewMembers);
        _cohort.Server.Round.Should().Be(AggregationServer.ServerRound.Failed);
        _cohort.Server.FailureReason.Should().Contain("only 2 survivors sent their shares");
    }

    [Test]
    public void CloseAdvertising_FewerThanThreshold_Fails()
    {
        var act = () => _cohort.Advertise(["node-1", "node-2"]);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.TooFewMembers);
    }

    [Test]
    public void AcceptMaskedInput_LateVectorOfANodeDeclaredDropped_Refused()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        var late = _cohort.Clients["node-5"].MaskInput(deliveries["node-5"], _cohort.Inputs["node-5"]);
        var survivors = _cohort.Mask(deliveries, _cohort.Ids.Take(4));

        var act = () => _cohort.Server.Accept(late);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.WrongRound);
        _cohort.Unmask(_cohort.Confirm(survivors, survivors.Survivors), survivors.Survivors).Sum
            .Should().Equal(_cohort.PlainSum(survivors.Survivors));
    }

    [TestCase(32, 6, TestName = "Accept_MaskedInputInAnotherRing_RefusedAndRoundContinues")]
    [TestCase(64, 7, TestName = "Accept_MaskedInputOfWrongLength_RefusedAndRoundContinues")]
    public void Accept_MaskedInputOfWrongShape_RefusedAndRoundContinues(int ringBits, int length)
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);

        var act = () => _cohort.Server.Accept(new MaskedInput("node-1", ringBits, new ulong[length]));

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.WrongShape).WithMessage("*node-1*");
        var result = _cohort.Unmask(_cohort.Confirm(_cohort.Mask(deliveries, _cohort.Ids), _cohort.Ids), _cohort.Ids);
        result.Sum.Should().Equal(_cohort.PlainSum(_cohort.Ids));
    }

    [Test]
    public void Accept_AdvertisementWithAlteredKey_RefusedAsBadSignature()
    {
        var advertisement = _cohort.Clients["node-1"].AdvertiseKeys();
        using var other = KeyAgreement.CreateEphemeral();

        var act = () => _cohort.Server.Accept(advertisement with { EncryptionPublicKey = other.ExportSubjectPublicKeyInfo() });

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.BadSignature);
    }

    [Test]
    public void Accept_SecondAdvertisementFromANode_RefusedAsDuplicate()
    {
        var advertisement = _cohort.Clients["node-1"].AdvertiseKeys();
        _cohort.Server.Accept(advertisement);

        var act = () => _cohort.Server.Accept(advertisement);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Duplicate);
    }

    [Test]
    public void Accept_ShareBundleFromOutsideCohortOrIncomplete_Refused()
    {
        var roster = _cohort.Advertise(_cohort.Ids.Take(4));
        var bundle = _cohort.Clients["node-1"].ShareKeys(roster);

        var outsider = () => _cohort.Server.Accept(bundle with { Sender = "node-5" });
        var incomplete = () => _cohort.Server.Accept(bundle with { Shares = bundle.Shares.Skip(1).ToList() });

        outsider.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.OutsideCohort);
        incomplete.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.WrongShape);
    }

    [Test]
    public void Accept_ConsistencySignatureOverAnotherList_Refused()
    {
        var roster = _cohort.Advertise(_cohort.Ids);
        var deliveries = _cohort.Share(roster, _cohort.Ids);
        var survivors = _cohort.Mask(deliveries, _cohort.Ids);
        var wrong = _cohort.Clients["node-1"].CheckConsistency(new SurvivorList(survivors.Survivors.Where(id => id != "node-5").ToList()));

        var act = () => _cohort.Server.Accept(wrong);

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.BadSignature);
    }

    [Test]
    public void Accept_UnmaskingResponseReplayedOrForeignOrAtAnotherPoint_Refused()
    {
        var request = _cohort.RunUntilUnmasking(_cohort.Ids.Take(4).ToList());
        var response = _cohort.Clients["node-1"].Unmask(request);
        _cohort.Server.Accept(response);

        var replayed = () => _cohort.Server.Accept(response);
        var foreign = () => _cohort.Server.Accept(response with { Sender = "node-5" });
        var second = _cohort.Clients["node-2"].Unmask(request);
        var shifted = () => _cohort.Server.Accept(second with { Shares = second.Shares.Select(s => s with { X = 1 }).ToList() });

        replayed.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Duplicate);
        foreign.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.OutsideCohort).WithMessage("*node-5*did not confirm*");
        shifted.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.OutsideCohort).WithMessage("*point 1*");
    }

    [Test]
    public void Finish_ForgedShareOfADroppedNodesKey_FailsWithoutASum()
    {
        var request = _cohort.RunUntilUnmasking(_cohort.Ids.Take(4).ToList());
        foreach (var id in new[] { "node-1", "node-2" })
        {
            _cohort.Server.Accept(_cohort.Clients[id].Unmask(request));
        }
        var honest = _cohort.Clients["node-3"].Unmask(request);
        var forgedValue = new byte[32];
        forgedValue[31] = 7;
        _cohort.Server.Accept(honest with
        {
            Shares = honest.Shares.Select(s => s.Kind == ShareKind.MaskingKey ? s with { Value = forgedValue } : s).ToList(),
        });

        var act = () => _cohort.Server.Finish();

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed).WithMessage("*node-5*");
        _cohort.Server.Round.Should().Be(AggregationServer.ServerRound.Failed);
    }
}
