using System.CommandLine;
using Partages.NodeAgent.Health;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>health --config FILE [--liveness] [--max-age-seconds N]</c>: the Kubernetes exec probe. Reads
/// <c>&lt;data_directory&gt;/status.json</c> and nothing else (no network, no engine, no host), prints one line and
/// exits 0 (healthy) or 1 (why not, on that line); 2 for a bad command line or node.yaml.
/// </summary>
internal static class HealthCommand
{
    public static Command Create(TimeProvider timeProvider)
    {
        var config = CommonOptions.Config();
        var liveness = new Option<bool>("--liveness")
        {
            Description = "Liveness instead of readiness: healthy while the agent's loop runs (status file recent), even if the coordinator is unreachable.",
        };
        var maxAge = new Option<int?>("--max-age-seconds")
        {
            Description = "Age limit of the last heartbeat (readiness) or of the status file (liveness). Default: max(3 × heartbeat, 30 s).",
            HelpName = "N",
        };
        maxAge.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--max-age-seconds must be at least 1.");
            }
        });
        var command = new Command("health", "Probe for Kubernetes: reads the agent's status file; exit 0 when ready (connected, heartbeat recent) or, with --liveness, when alive.")
        {
            config, liveness, maxAge,
        };
        command.SetAction(parseResult => Run(
            parseResult.GetRequiredValue(config),
            parseResult.GetValue(liveness) ? HealthMode.Liveness : HealthMode.Readiness,
            parseResult.GetValue(maxAge),
            timeProvider,
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(FileInfo configFile, HealthMode mode, int? maxAgeSeconds, TimeProvider timeProvider, TextWriter output, TextWriter error)
    {
        var config = CommonOptions.LoadOrReport(configFile, error);
        if (config is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        var verdict = HealthProbe.Check(
            AgentStatusFile.PathFor(config),
            mode,
            TimeSpan.FromSeconds(config.HeartbeatSeconds),
            maxAgeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            timeProvider.GetUtcNow());
        output.WriteLine(verdict.Message);
        return verdict.Healthy ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
