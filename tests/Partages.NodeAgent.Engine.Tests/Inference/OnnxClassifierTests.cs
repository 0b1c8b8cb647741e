using Partages.NodeAgent.Engine.Inference;

namespace Partages.NodeAgent.Engine.Tests.Inference;

public sealed class OnnxClassifierTests
{
    [Test]
    public void Version_OfTheLoadedNativeRuntime_IsASemanticVersion()
    {
        OnnxRuntimeInfo.Version.Should().MatchRegex(@"^\d+\.\d+\.\d+$");
    }
}
