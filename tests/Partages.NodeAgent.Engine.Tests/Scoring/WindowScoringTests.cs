using Partages.Evaluation;
using Partages.NodeAgent.Engine.Scoring;

namespace Partages.NodeAgent.Engine.Tests.Scoring;

public sealed class WindowScoringTests
{
    [Test]
    public void Softmax_KeywordGraphLogits_GivesTheHandComputedProbabilities()
    {
        var probabilities = new double[4];

        var valid = ClassProbabilities.Softmax([0.5f, 0f, 0f, 3f], probabilities);

        // e^0.5 = 1.648721, e^3 = 20.085537, sum with two e^0 = 23.734258.
        valid.Should().BeTrue();
        probabilities.Should().Equal([0.069466, 0.042133, 0.042133, 0.846268], (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [TestCase(new[] { 1f, float.NaN, 0f }, false)]
    [TestCase(new[] { float.NegativeInfinity, float.NegativeInfinity }, false)]
    [TestCase(new[] { float.PositiveInfinity, 2f, float.PositiveInfinity }, true)]
    public void Softmax_NonFiniteLogits_IsInvalidOnlyWithoutAUsableMaximum(float[] logits, bool expectedValid)
    {
        var probabilities = new double[logits.Length];

        var valid = ClassProbabilities.Softmax(logits, probabilities);

        valid.Should().Be(expectedValid);
        if (valid)
        {
            probabilities.Should().Equal(0.5, 0, 0.5);
        }
    }

    [Test]
    public void Sigmoid_Logits_MapsEachIndependentlyAndRejectsNaN()
    {
        var probabilities = new double[4];

        ClassProbabilities.Sigmoid([0f, 2f, float.PositiveInfinity, -800f], probabilities).Should().BeTrue();
        probabilities.Should().Equal([0.5, 1 / (1 + Math.Exp(-2)), 1, 0], (a, b) => Math.Abs(a - b) < 1e-12);
        ClassProbabilities.Sigmoid([0f, float.NaN], new double[2]).Should().BeFalse();
    }

    [Test]
    public void ArgMax_Ties_PicksTheFirst()
    {
        Maxima.ArgMax<double>([0.2, 0.4, 0.4]).Should().Be(1);
        Maxima.ArgMax<float>([0f, float.NaN, 1f]).Should().Be(2);
    }

    [TestCase(WindowAggregations.Mean, new[] { 0.4, 0.6 })]
    [TestCase(WindowAggregations.Max, new[] { 0.7, 0.9 })]
    public void AddWindow_WindowsInAnyOrder_AggregatesAndCompletesOnTheLast(string aggregation, double[] expected)
    {
        var score = new DocumentScore(goldLabel: 0, goldLabels: null, windows: 3, classes: 2, aggregation);

        score.AddWindow([0.7, 0.3], valid: true).Should().BeFalse();
        score.AddWindow([0.1, 0.9], valid: true).Should().BeFalse();
        score.AddWindow([0.4, 0.6], valid: true).Should().BeTrue();

        score.IsInvalid.Should().BeFalse();
        score.Probabilities().Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Test]
    public void AddWindow_OneInvalidWindow_MakesTheDocumentInvalid()
    {
        var score = new DocumentScore(goldLabel: 0, goldLabels: null, windows: 2, classes: 2, WindowAggregations.Max);

        score.AddWindow([0.5, 0.5], valid: false);
        score.AddWindow([0.1, 0.9], valid: true).Should().BeTrue();

        score.IsInvalid.Should().BeTrue();
    }
}
