using System.CommandLine;

namespace Partages.NodeAgent.Cli;

internal static class CommonOptions
{
    public static Option<FileInfo> Config() => new("--config", "-c")
    {
        Description = $"The node's configuration file (annotated example: {ExampleFiles.NodeConfig}).",
        Required = true,
    };

    /// <summary>A command whose one option is --config, running <paramref name="action"/> on the file it names.</summary>
    public static Command ConfigCommand(string name, string description, Func<FileInfo, ParseResult, CancellationToken, Task<int>> action)
    {
        var config = Config();
        var command = new Command(name, description) { config };
        command.SetAction((parseResult, cancellationToken) => action(parseResult.GetRequiredValue(config), parseResult, cancellationToken));
        return command;
    }

    /// <summary>Loads the configuration or prints every error (with its line) and returns null.</summary>
    public static NodeConfig? LoadOrReport(FileInfo file, TextWriter error)
    {
        var result = NodeConfigLoader.LoadFile(file.FullName);
        if (result.IsValid && result.Config is not null)
        {
            return result.Config;
        }

        error.WriteLine($"{file.FullName} is not a valid node configuration ({result.Errors.Count} error(s)):");
        foreach (var problem in result.Errors)
        {
            error.WriteLine($"  {problem}");
        }

        return null;
    }
}
