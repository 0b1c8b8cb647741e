namespace Partages.Evaluation.Tests.Metrics;

public class WilsonTests
{
    // Expected bounds: (k + z²/2 ± z·√(k(n−k)/n + z²/4)) / (n + z²) with z = 1.959963984540054, evaluated in
    // 40-digit decimal arithmetic. Newcombe (1998, Stat Med 17:857–872, Table II, method 3) publishes the same
    // examples to four decimals: 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
    [TestCase(81, 263, 0.2552885198782742, 0.3662095769828001)]
    [TestCase(15, 148, 0.06238639953073628, 0.1604872417233080)]
    [TestCase(0, 20, 0.0, 0.1611251580528194)]
    [TestCase(1, 29, 0.006113214292762662, 0.1717552187932029)]
    [TestCase(29, 29, 0.8830302015002593, 1.0)]
    [TestCase(0, 1, 0.0, 0.7934506856227626)]
    [TestCase(1, 1, 0.2065493143772374, 1.0)]
    public void Interval_KnownProportion_MatchesExactValues(long k, long n, double lower, double upper)
    {
        var interval = Wilson.Interval(k, n);

        interval.Lower.Should().BeApproximately(lower, 1e-14);
        interval.Upper.Should().BeApproximately(upper, 1e-14);
    }

    [Test]
    public void Interval_NewcombeTable_AgreesToFourDecimals()
    {
        var interval = Wilson.Interval(81, 263);

        Math.Round(interval.Lower, 4).Should().Be(0.2553);
        Math.Round(interval.Upper, 4).Should().Be(0.3662);
    }

    [Test]
    public void Interval_NoTrial_IsTheWholeUnitInterval() =>
        Wilson.Interval(0, 0).Should().Be(new ConfidenceInterval(0, 1));

    [Test]
    public void Interval_NoSuccess_HasLowerBoundExactlyZero() =>
        Wilson.Interval(0, 1000).Lower.Should().Be(0);

    [Test]
    public void Interval_AllSuccesses_HasUpperBoundExactlyOne() =>
        Wilson.Interval(1000, 1000).Upper.Should().Be(1);

    [Test]
    public void Interval_OtherZ_IsUsed()
    {
        // z = 1: (5 + 0.5 ± √(2.5 + 0.25)) / 11.
        var interval = Wilson.Interval(5, 10, z: 1);

        interval.Lower.Should().BeApproximately((5.5 - Math.Sqrt(2.75)) / 11, 1e-15);
        interval.Upper.Should().BeApproximately((5.5 + Math.Sqrt(2.75)) / 11, 1e-15);
    }

    [TestCase(-1, 5)]
    [TestCase(6, 5)]
    [TestCase(0, -1)]
    public void Interval_ImpossibleCounts_AreRefused(long k, long n) =>
        FluentActions.Invoking(() => Wilson.Interval(k, n)).Should().Throw<ArgumentOutOfRangeException>();

    [TestCase(0.0)]
    [TestCase(double.NaN)]
    public void Interval_BadZ_IsRefused(double z) =>
        FluentActions.Invoking(() => Wilson.Interval(1, 2, z)).Should().Throw<ArgumentOutOfRangeException>();
}
