using System.CommandLine;
using Partages.NodeAgent.SecureSum;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>aggregation-key --config FILE</c>: prints this node's aggregation key pin (creating the key on first use), the
/// line its secure-sum peers copy into their policy's <c>secure_aggregation.peers</c>.
/// </summary>
internal static class AggregationKeyCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var command = new Command("aggregation-key", "Prints this node's secure aggregation pin (the SHA-256 its peers list), creating the key on first use.")
        {
            config,
        };
        command.SetAction(parseResult => Run(parseResult.GetRequiredValue(config), parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(FileInfo configFile, TextWriter output, TextWriter error)
    {
        var config = CommonOptions.LoadOrReport(configFile, error);
        if (config is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        var path = AggregationKeyFile.PathFor(config);
        try
        {
            using var key = AggregationKeyFile.LoadOrCreate(path, out var created);
            output.WriteLine($"{(created ? "created" : "key")} {path}");
            output.WriteLine($"pin {key.Pin}");
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine(ex.Message);
            return ExitCodes.InvalidConfiguration;
        }
    }
}
