using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Protocol;

namespace Partages.SecureAggregation.Tests.Protocol;

public sealed class SessionParametersTests
{
    [Test]
    public void Validate_EverythingWrong_ListsEveryError()
    {
        var errors = new SessionParameters(" ", 0, 1).Validate();

        errors.Should().HaveCount(3);
        errors.Should().Contain(e => e.Contains("evaluation id", StringComparison.Ordinal))
            .And.Contain(e => e.Contains("vector length 0", StringComparison.Ordinal))
            .And.Contain(e => e.Contains("threshold 1", StringComparison.Ordinal));
    }

    [TestCase(5, 3, true)]
    [TestCase(6, 3, false)]
    [TestCase(6, 4, true)]
    [TestCase(4, 5, false)]
    public void IsSafeFor_Threshold_MustExceedHalfTheCohort(int cohort, int threshold, bool safe)
    {
        new SessionParameters("e", 1, threshold).IsSafeFor(cohort).Should().Be(safe);
    }

    [Test]
    public void Context_AnyParameterChanged_Changes()
    {
        var context = new SessionParameters("e", 10, 3).Context();

        new SessionParameters("f", 10, 3).Context().Should().NotEqual(context);
        new SessionParameters("e", 11, 3).Context().Should().NotEqual(context);
        new SessionParameters("e", 10, 4).Context().Should().NotEqual(context);
    }

    [Test]
    public void AggregationClient_PolicyWithBadPinAndTinyCohort_RefusedListingBoth()
    {
        using var identity = AggregationIdentity.Create();
        var policy = new AggregationPolicy(2, new Dictionary<string, string> { ["node-2"] = "not-a-pin" });

        var act = () => new AggregationClient("node-1", new SessionParameters("e", 4, 2), identity, policy);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.UnsafeParameters)
            .WithMessage("*minimum cohort size 2*pin of peer 'node-2'*");
    }
}
