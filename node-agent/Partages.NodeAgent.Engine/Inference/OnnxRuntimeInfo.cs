using Microsoft.ML.OnnxRuntime;

namespace Partages.NodeAgent.Engine.Inference;

/// <summary>What the node tells the coordinator about its runtime, so results can be traced to the ONNX Runtime that produced them.</summary>
public static class OnnxRuntimeInfo
{
    private static readonly Lazy<string> LazyVersion = new(() => OrtEnv.Instance().GetVersionString());

    /// <summary>The native ONNX Runtime's version, such as <c>1.31.1</c>.</summary>
    public static string Version => LazyVersion.Value;
}
