using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Partages.NodeAgent.Engine.Inference;

namespace Partages.NodeAgent.Hosting;

/// <summary>What the agent says about itself: its version and the ONNX Runtime version its engine runs on.</summary>
public static class AgentInfo
{
    private static readonly Lazy<string> LazyOnnxRuntimeVersion = new(ReadOnnxRuntimeVersion);

    public static string AgentVersion { get; } = VersionOf(typeof(AgentInfo).Assembly);

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
            return VersionOf(typeof(InferenceSession).Assembly);
        }
    }

    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            // "1.2.3+commit" → "1.2.3": the commit is noise for the coordinator's node list.
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus > 0 ? informational[..plus] : informational;
        }

        return assembly.GetName().Version?.ToString() ?? "unknown";
    }
}
