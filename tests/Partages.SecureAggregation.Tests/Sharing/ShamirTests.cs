using System.Numerics;
using Partages.SecureAggregation.Sharing;

namespace Partages.SecureAggregation.Tests.Sharing;

public sealed class ShamirTests
{
    [Test]
    public void Combine_AnyThresholdSubset_RebuildsSecret([Range(0, 24)] int seed)
    {
        var random = new Random(seed);
        var n = random.Next(2, 21);
        var t = random.Next(1, n + 1);
        var points = Enumerable.Range(1, n).ToList();
        var secret = Shamir.RandomElement();
        var shares = Shamir.Split(secret, t, points);

        var subset = shares.OrderBy(_ => random.Next()).Take(t).ToList();

        Shamir.Combine(subset, t, points.ToHashSet(), "node").Should().Equal(secret);
    }

    [Test]
    public void Combine_MoreThanThresholdShares_RebuildsAndChecksTheExtras()
    {
        var points = Enumerable.Range(1, 9).ToList();
        var secret = Shamir.RandomElement();
        var shares = Shamir.Split(secret, 5, points);

        Shamir.Combine(shares, 5, points.ToHashSet(), "node").Should().Equal(secret);
    }

    [Test]
    public void Combine_FewerThanThreshold_Refused()
    {
        var points = Enumerable.Range(1, 5).ToList();
        var shares = Shamir.Split(Shamir.RandomElement(), 3, points);

        var act = () => Shamir.Combine(shares.Take(2).ToList(), 3, points.ToHashSet(), "node-a");

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.TooFewMembers).WithMessage("*node-a*threshold is 3*");
    }

    [Test]
    public void Combine_FewerThanThreshold_AnyFixedGuessIsNotTheSecret()
    {
        // t − 1 shares are consistent with every secret: interpolating them as if t − 1 were the threshold gives garbage.
        var points = Enumerable.Range(1, 5).ToList();
        var secret = Shamir.RandomElement();
        var shares = Shamir.Split(secret, 3, points);

        Shamir.Combine(shares.Take(2).ToList(), 2, points.ToHashSet(), "node").Should().NotEqual(secret);
    }

    [Test]
    public void Combine_DuplicatePoint_Refused()
    {
        var points = Enumerable.Range(1, 4).ToList();
        var shares = Shamir.Split(Shamir.RandomElement(), 2, points);

        var act = () => Shamir.Combine([shares[0], shares[0], shares[1]], 2, points.ToHashSet(), "node");

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Duplicate);
    }

    [Test]
    public void Combine_ForeignPoint_Refused()
    {
        var points = Enumerable.Range(1, 4).ToList();
        var shares = Shamir.Split(Shamir.RandomElement(), 2, points);

        var act = () => Shamir.Combine([shares[0], shares[1] with { X = 17 }], 2, points.ToHashSet(), "node");

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.OutsideCohort).WithMessage("*point 17*");
    }

    [Test]
    public void Combine_ValueNotInField_Refused()
    {
        var points = Enumerable.Range(1, 4).ToList();
        var shares = Shamir.Split(Shamir.RandomElement(), 2, points);
        var tooLarge = Enumerable.Repeat((byte)0xff, 32).ToArray();

        var actLarge = () => Shamir.Combine([shares[0], shares[1] with { Value = tooLarge }], 2, points.ToHashSet(), "node");
        var actShort = () => Shamir.Combine([shares[0], shares[1] with { Value = new byte[31] }], 2, points.ToHashSet(), "node");

        actLarge.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed).WithMessage("*not an element*");
        actShort.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed).WithMessage("*31 bytes*");
    }

    [Test]
    public void Combine_CorruptedExtraShare_Refused()
    {
        var points = Enumerable.Range(1, 5).ToList();
        var shares = Shamir.Split(Shamir.RandomElement(), 3, points);
        var corrupted = (byte[])shares[4].Value.Clone();
        corrupted[31] ^= 1;

        var act = () => Shamir.Combine([.. shares.Take(4), shares[4] with { Value = corrupted }], 3, points.ToHashSet(), "node");

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.Malformed).WithMessage("*point 5*corrupted or forged*");
    }

    [Test]
    public void Split_SecretEqualToPrimeMinusOne_RoundTrips()
    {
        var secret = Shamir.ToBytes(Shamir.Prime - BigInteger.One);
        var points = new List<int> { 1, 2, 3 };

        Shamir.Combine(Shamir.Split(secret, 2, points).Skip(1).ToList(), 2, points.ToHashSet(), "node").Should().Equal(secret);
    }
}
