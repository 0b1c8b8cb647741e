using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Partages.NodeAgent.Enrollment;
using Partages.NodeAgent.Hosting;
using Partages.NodeAgent.Session;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>run --config FILE</c>: the long-running agent, until SIGTERM or Ctrl+C, which stop it cleanly (exit 0): runs in
/// progress finish within <c>stop_grace_seconds</c> or are handed back to the coordinator, the session is flushed.
/// </summary>
internal static partial class RunCommand
{
    public static Command Create() => CommonOptions.ConfigCommand(
        "run",
        "Runs the agent: keeps a session with the coordinator (outbound only) and evaluates the jobs it offers.",
        (configFile, parseResult, _) => RunAsync(configFile, parseResult.InvocationConfiguration.Error));

    private static async Task<int> RunAsync(FileInfo configFile, TextWriter error)
    {
        var config = CommonOptions.LoadOrReport(configFile, error);
        if (config is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        // No job runs without the hospital's policy: refuse to start rather than run with defaults.
        var policy = PolicyCommands.LoadOrReport(config, error);
        if (policy is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        NodeIdentity identity;
        try
        {
            identity = NodeIdentity.Load(IdentityFiles.For(config));
        }
        catch (IdentityException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.IdentityProblem;
        }

        using (identity)
        {
            var problems = identity.Verify(DateTimeOffset.UtcNow);
            if (problems.Count > 0)
            {
                await error.WriteLineAsync($"The identity in {config.IdentityDirectory} cannot be used:").ConfigureAwait(false);
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
                }

                return ExitCodes.IdentityProblem;
            }

            try
            {
                using var host = NodeAgentHost.Create(config, identity, services => services.AddSingleton(policy));
                // Resolved before the host stops: its services are not to be asked for once it is disposed.
                var session = host.Services.GetRequiredService<SessionWorker>();
                var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RunCommand).FullName!);
                if (identity.Recovery is { } recovery)
                {
                    LogIdentityRecovered(logger, recovery);
                }

                await host.StartAsync().ConfigureAwait(false);
                // Returns once SIGTERM or Ctrl+C (the host's console lifetime) has stopped every service.
                try
                {
                    await host.WaitForShutdownAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or AggregateException)
                {
                    // A service still busy when the host's shutdown timeout (stop_grace_seconds + margin) ran out.
                    await error.WriteLineAsync($"The agent did not stop within its shutdown timeout: {ex.GetBaseException().Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
                if (session.ExecuteTask is { IsFaulted: true } faulted)
                {
                    await error.WriteLineAsync($"The agent stopped on an unexpected error: {faulted.Exception?.GetBaseException().Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                LogAgentStopped(logger, config.Name);
                return ExitCodes.Ok;
            }
            catch (OptionsValidationException ex)
            {
                await error.WriteLineAsync($"Invalid agent settings ({ex.Failures.Count()} error(s)):").ConfigureAwait(false);
                foreach (var failure in ex.Failures)
                {
                    await error.WriteLineAsync($"  {failure}").ConfigureAwait(false);
                }

                return ExitCodes.InvalidConfiguration;
            }
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "Identity: {Recovery}")]
    private static partial void LogIdentityRecovered(ILogger logger, string recovery);

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Node agent '{NodeName}' stopped cleanly")]
    private static partial void LogAgentStopped(ILogger logger, string nodeName);
}
