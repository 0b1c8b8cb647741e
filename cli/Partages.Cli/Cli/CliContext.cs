namespace Partages.Cli.Cli;

/// <summary>
/// Where a command writes and where it keeps the profile. The process uses the real console and
/// <c>~/.config/partages</c>; tests pass writers and a temporary directory.
/// </summary>
public sealed record CliContext(TextWriter Output, TextWriter Error, IAnsiConsole Console, string ConfigDirectory)
{
    /// <summary>Reads an environment variable (HTTPS_PROXY, NO_PROXY): the process's; tests give their own.</summary>
    public Func<string, string?> EnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Environment variable that moves the profile directory (e.g. for CI jobs).</summary>
    public const string ConfigDirectoryVariable = "PARTAGES_CONFIG_DIR";

    public static CliContext ForProcess()
    {
        var console = AnsiConsole.Console;
        // Piped output (CI logs, files) has no terminal width; 80 columns would fold the tables.
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        // Plain writes pass the terminal guard (TerminalText); Spectre's own output, which carries its colours, does not,
        // and what it shows from outside is escaped where it is built (TerminalMarkup).
        return new CliContext(TerminalText.Guard(System.Console.Out), TerminalText.Guard(System.Console.Error), console, DefaultConfigDirectory());
    }

    /// <summary>A context writing plain text (no colours, no live rendering) to <paramref name="output"/>.</summary>
    public static CliContext ForWriters(TextWriter output, TextWriter error, string configDirectory)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        return new CliContext(TerminalText.Guard(output), TerminalText.Guard(error), console, configDirectory);
    }

    /// <summary><c>$PARTAGES_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/partages</c>, else <c>~/.config/partages</c>.</summary>
    public static string DefaultConfigDirectory()
    {
        var explicitDirectory = Environment.GetEnvironmentVariable(ConfigDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            return explicitDirectory;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(root, "partages");
    }
}
