namespace Partages.Evaluation.Tests.Metrics;

public class ScoreGridTests
{
    [TestCase(0.0, 0)]
    [TestCase(1.0, 1000)]
    [TestCase(0.3, 300)]
    [TestCase(0.123, 123)]
    [TestCase(0.1234, 123)]
    [TestCase(0.1236, 124)]
    [TestCase(0.0004, 0)]
    [TestCase(0.9996, 1000)]
    public void BinOf_Probability_RoundsToNearestGridValue(double score, int expected) =>
        ScoreGrid.BinOf(score).Should().Be(expected);

    [Test]
    public void BinOf_Midpoint_GoesUp()
    {
        // 0.0125 × 1000 is 12.5 in doubles; half away from zero, not to even (which would give 12).
        ScoreGrid.BinOf(0.0125).Should().Be(13);
    }

    [Test]
    public void BinOf_EveryGridValue_LandsOnItsOwnBin()
    {
        for (var k = 0; k <= ScoreGrid.Steps; k++)
        {
            ScoreGrid.BinOf(k / 1000.0).Should().Be(k);
            ScoreGrid.BinOf(k * 0.001).Should().Be(k);
            ScoreGrid.BinOf((float)(k / 1000.0)).Should().Be(k, "an ONNX model emits float32 probabilities");
            ScoreGrid.BinOf(double.Parse($"0.{k:000}", System.Globalization.CultureInfo.InvariantCulture) + (k == 1000 ? 1 : 0))
                .Should().Be(k);
        }
    }

    [TestCase(-0.2, 0)]
    [TestCase(1.7, 1000)]
    [TestCase(double.NegativeInfinity, 0)]
    [TestCase(double.PositiveInfinity, 1000)]
    public void BinOf_OutOfRange_IsClamped(double score, int expected) =>
        ScoreGrid.BinOf(score).Should().Be(expected);

    [Test]
    public void BinOf_NaN_IsRefused()
    {
        var act = () => ScoreGrid.BinOf(double.NaN);

        act.Should().Throw<ArgumentException>().WithParameterName("score");
    }

    [Test]
    public void ValueOf_Bin_IsBinOverSteps()
    {
        ScoreGrid.ValueOf(0).Should().Be(0);
        ScoreGrid.ValueOf(250).Should().Be(0.25);
        ScoreGrid.ValueOf(ScoreGrid.Steps).Should().Be(1);
        ScoreGrid.Bins.Should().Be(1001);
        FluentActions.Invoking(() => ScoreGrid.ValueOf(ScoreGrid.Bins)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
