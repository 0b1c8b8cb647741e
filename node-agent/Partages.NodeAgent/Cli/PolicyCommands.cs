using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.Cli;

internal static class PolicyCommands
{
    /// <summary>Loads node.yaml's policy or prints every error (with its line) and returns null.</summary>
    public static NodePolicy? LoadOrReport(NodeConfig config, TextWriter error)
    {
        var result = PolicyLoader.LoadFor(config);
        if (result.IsValid && result.Policy is not null)
        {
            return result.Policy;
        }

        error.WriteLine(config.PolicyPath is null
            ? "No node policy: the agent runs no job without one."
            : $"{config.PolicyPath} is not a valid node policy ({result.Errors.Count} error(s)):");
        foreach (var problem in result.Errors)
        {
            error.WriteLine($"  {problem}");
        }

        error.WriteLine($"{ExampleFiles.Policy} documents every field; 'Partages.NodeAgent check' prints each dataset's fingerprint.");
        return null;
    }
}
