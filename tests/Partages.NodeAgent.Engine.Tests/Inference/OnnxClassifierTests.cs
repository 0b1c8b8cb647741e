using Partages.NodeAgent.Engine.Inference;

namespace Partages.NodeAgent.Engine.Tests.Inference;

public sealed class OnnxClassifierTests
{
    [Test]
    public void ArgMax_Rows_PicksTheLargestScoreTheFirstOnTiesAndNoneForNaN()
    {
        float[] logits =
        [
            0.1f, 0.7f, 0.2f,
            0.5f, 0.5f, 0.1f,
            float.NegativeInfinity, -1f, -2f,
            0.3f, float.NaN, 0.9f,
            float.NaN, 0f, 0f,
        ];
        var predictions = new int[5];

        OnnxClassifier.ArgMax(logits, classes: 3, predictions);

        predictions.Should().Equal(1, 0, 1, OnnxClassifier.NoPrediction, OnnxClassifier.NoPrediction);
    }

    [Test]
    public void Version_OfTheLoadedNativeRuntime_IsASemanticVersion()
    {
        OnnxRuntimeInfo.Version.Should().MatchRegex(@"^\d+\.\d+\.\d+$");
    }
}
