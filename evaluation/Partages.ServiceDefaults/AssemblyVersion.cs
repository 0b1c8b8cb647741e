using System.Reflection;

namespace Partages.Telemetry;

/// <summary>The version a service reports for itself and its libraries (telemetry resource, manifests, node list).</summary>
public static class AssemblyVersion
{
    /// <summary>The informational version without its commit, else the assembly version, else "unknown".</summary>
    public static string Of(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            // "1.2.3+commit" → "1.2.3": the commit is noise for the coordinator's node list and the manifests.
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus > 0 ? informational[..plus] : informational;
        }

        return assembly.GetName().Version?.ToString() ?? "unknown";
    }
}
