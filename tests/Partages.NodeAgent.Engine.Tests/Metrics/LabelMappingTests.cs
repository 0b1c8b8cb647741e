using Partages.NodeAgent.Engine.Metrics;

namespace Partages.NodeAgent.Engine.Tests.Metrics;

public sealed class LabelMappingTests
{
    [Test]
    public void ManifestToSpec_SameLabelsInAnotherOrder_MapsEachByName()
    {
        // Manifest: sensible, BLSE, SARM, EPC. Spec: EPC, sensible, SARM, BLSE.
        LabelMapping.ManifestToSpec(Spec, Manifest).Should().Equal(1, 3, 2, 0);
    }

    [Test]
    public void ManifestToSpec_SpecHasFewerLabels_Refuses()
    {
        var act = () => LabelMapping.ManifestToSpec(Spec with { Labels = ["sensible", "BLSE", "SARM"] }, Manifest);

        act.Should().Throw<EvaluationRefusedException>();
    }

    [Test]
    public void ManifestToSpec_LabelsDifferOnlyByCase_Refuses()
    {
        var act = () => LabelMapping.ManifestToSpec(Spec with { Labels = ["sensible", "blse", "SARM", "EPC"] }, Manifest);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*blse*BLSE*");
    }
}
