using Partages.ModelKit.Determinism;
using Partages.ModelKit.Training;

namespace Partages.ModelKit.Tests.Training;

public sealed class ClassifierTrainerTests
{
    [Test]
    public void Train_SameDataAndSeed_GivesBitIdenticalWeights()
    {
        var (data, labels) = ToyData();
        var options = new TrainerOptions { Dimension = 8, Epochs = 5, BatchSize = 4, Seed = 3 };

        var (first, _) = ClassifierTrainer.Train(data, labels, vocabularySize: 10, classCount: 2, options);
        var (second, _) = ClassifierTrainer.Train(data, labels, vocabularySize: 10, classCount: 2, options);

        second.Embedding.Should().Equal(first.Embedding);
        second.Weight.Should().Equal(first.Weight);
        second.Bias.Should().Equal(first.Bias);
    }

    [Test]
    public void Train_SeparableToyData_LearnsIt()
    {
        var (data, labels) = ToyData();

        var (model, history) = ClassifierTrainer.Train(data, labels, 10, 2, new TrainerOptions { Dimension = 8, Epochs = 30, BatchSize = 4, LearningRate = 0.05f });

        ClassifierTrainer.Accuracy(model, data, labels).Should().Be(1.0);
        history.EpochLosses[^1].Should().BeLessThan(history.EpochLosses[0]);
    }

    [Test]
    public void Forward_AllPaddingRow_GivesBias()
    {
        var model = new EmbeddingBagClassifier(4, 2, 2);
        model.Embedding.AsSpan().Fill(5f);
        model.Bias[0] = 0.25f;
        model.Bias[1] = -0.5f;

        var logits = model.Forward(new EncodedBatch(new long[4], new long[4], 1, 4));

        logits.Should().Equal(0.25f, -0.5f);
    }

    [Test]
    public void Exp_AcrossSoftmaxRange_MatchesMathExp()
    {
        for (var x = -60.0; x <= 5.0; x += 0.0137)
        {
            var expected = Math.Exp(x);
            Math.Abs(DeterministicMath.Exp(x) - expected).Should().BeLessThanOrEqualTo(expected * 1e-15, because: $"exp({x})");
        }
    }

    /// <summary>Token 4 and 5 mark class 0, tokens 6 and 7 class 1; tokens 2 and 3 are noise in both.</summary>
    private static (EncodedBatch Data, int[] Labels) ToyData()
    {
        long[][] rows = [[2, 4, 3, 0], [2, 5, 3, 0], [2, 4, 5, 3], [2, 6, 3, 0], [2, 7, 3, 0], [2, 6, 7, 3], [2, 4, 4, 3], [2, 7, 6, 3]];
        int[] labels = [0, 0, 0, 1, 1, 1, 0, 1];
        var ids = rows.SelectMany(r => r).ToArray();
        var mask = ids.Select(id => id == 0 ? 0L : 1L).ToArray();
        return (new EncodedBatch(ids, mask, rows.Length, 4), labels);
    }
}
