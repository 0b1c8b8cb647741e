namespace Partages.Benchmarks.Tests.Engine.Model;

public sealed class HeadTrainerTests
{
    [Test]
    public void Fit_SeparableEmbeddings_FoldedHeadClassifiesEveryPoint()
    {
        // Label 1 when x + 10·y > 3; y lives on a scale a thousand times smaller, so the standardisation is exercised.
        var features = new List<float[]>();
        var labels = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            var x = (i % 12) - 5.5f;
            var y = ((i * 7 % 11) - 5f) / 1000f;
            features.Add([x + 100f, y, 42f]);
            labels.Add(x + (10 * y * 1000) > 3 ? 1 : 0);
        }

        var fit = HeadTrainer.Fit(features, labels, steps: 2000);

        fit.TrainAccuracy.Should().Be(1);
        fit.Weight.Should().HaveCount(6);
        for (var i = 0; i < features.Count; i++)
        {
            // The graph's logits: x·W + b, with the standardisation folded in; class 1 wins exactly on label 1.
            var logit0 = fit.Bias[0] + features[i].Select((v, j) => (double)v * fit.Weight[(j * 2) + 0]).Sum();
            var logit1 = fit.Bias[1] + features[i].Select((v, j) => (double)v * fit.Weight[(j * 2) + 1]).Sum();
            (logit1 > logit0 ? 1 : 0).Should().Be(labels[i], $"point {i}");
        }
    }

    [Test]
    public void Fit_LabelsOfAnotherLength_Refused()
    {
        var act = () => HeadTrainer.Fit([[1f], [2f]], [1]);

        act.Should().Throw<ArgumentException>();
    }
}
