using System.CommandLine;
using Partages.NodeAgent.Enrollment;
using Partages.Trust;

namespace Partages.NodeAgent.Cli;

/// <summary><c>enroll --config FILE --token TOKEN --ca-sha256 PIN</c>: once per node.</summary>
internal static class EnrollCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var token = new Option<string>("--token")
        {
            Description = "The one-time enrollment token from the coordinator's operator ('admin enrollment-token').",
            Required = true,
        };
        var pin = new Option<string>("--ca-sha256")
        {
            Description = "SHA-256 of the coordinator's CA certificate, printed with the token. Enrollment is refused if the server's CA differs.",
            Required = true,
        };
        var command = new Command("enroll", "Generates this node's key, has its certificate signed by the coordinator (pinned CA) and saves the identity under <data_directory>/identity/.")
        {
            config, token, pin,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(config),
            parseResult.GetRequiredValue(token),
            parseResult.GetRequiredValue(pin),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo configFile, string token, string pinText, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var config = CommonOptions.LoadOrReport(configFile, error);
        if (config is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        if (!CaPin.TryParse(pinText, out var pin, out var pinError) || pin is null)
        {
            await error.WriteLineAsync($"--ca-sha256: {pinError}").ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }

        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        var enroller = new NodeEnroller(loggerFactory.CreateLogger<NodeEnroller>());
        try
        {
            var result = await enroller.EnrollAsync(config, token.Trim(), pin, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(
                $"Enrolled as node '{result.NodeName}' (id {result.NodeId}); certificate valid until {result.NotAfter:u}.").ConfigureAwait(false);
            await output.WriteLineAsync($"Identity saved in {result.Files.Directory} (node.key stays on this machine).").ConfigureAwait(false);
            await output.WriteLineAsync($"Start the agent with: Partages.NodeAgent run --config {config.SourcePath}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (EnrollmentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ex.Failure switch
            {
                EnrollmentFailure.InvalidArguments => ExitCodes.InvalidConfiguration,
                EnrollmentFailure.AlreadyEnrolled => ExitCodes.IdentityProblem,
                EnrollmentFailure.UntrustedCoordinator => ExitCodes.UntrustedCoordinator,
                EnrollmentFailure.Unreachable => ExitCodes.Unreachable,
                EnrollmentFailure.Refused or EnrollmentFailure.InvalidResponse => ExitCodes.EnrollmentRefused,
                _ => ExitCodes.Failure,
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"Cannot write the identity under {config.IdentityDirectory}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
