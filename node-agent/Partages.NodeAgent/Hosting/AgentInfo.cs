using Microsoft.ML.OnnxRuntime;
using Partages.NodeAgent.Engine.Inference;
using Partages.Telemetry;

namespace Partages.NodeAgent.Hosting;

/// <summary>What the agent says about itself: its version and the ONNX Runtime version its engine runs on.</summary>
public static class AgentInfo
{
    private static readonly Lazy<string> LazyOnnxRuntimeVersion = new(ReadOnnxRuntimeVersion);

    public static string AgentVersion { get; } = AssemblyVersion.Of(typeof(AgentInfo).Assembly);

    /// <summary>The native ONNX Runtime's version as the engine reports it; the managed package's version if the native library cannot load.</summary>
    public static string OnnxRuntimeVersion => LazyOnnxRuntimeVersion.Value;

    private static string ReadOnnxRuntimeVersion()
    {
        try
        {
            return OnnxRuntimeInfo.Version;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or OnnxRuntimeException)
        {
            return AssemblyVersion.Of(typeof(InferenceSession).Assembly);
        }
    }
}
