using System.CommandLine;

namespace Partages.Benchmarks;

/// <summary>The settings of a benchmark command: every error they hold, one sentence each, none when they can run.</summary>
internal interface IBenchmarkSettings
{
    IReadOnlyList<string> Validate();
}

/// <summary>How every benchmark command refuses settings that do not validate: each error on its own line, exit code 2.</summary>
internal static class SettingsErrors
{
    /// <summary>The exit code of a command whose settings were refused (System.CommandLine's own for a bad argument).</summary>
    public const int ExitCode = 2;

    /// <summary>Writes every error to standard error; true when there was any, and the command must stop.</summary>
    public static async Task<bool> ReportAsync(IReadOnlyList<string> errors)
    {
        foreach (var error in errors)
        {
            await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
        }

        return errors.Count > 0;
    }

    /// <summary>
    /// The action of every benchmark command: read its settings from the parse, refuse them with <see cref="ExitCode"/>
    /// when they do not validate, else run the benchmark and return its exit code.
    /// </summary>
    public static void SetAction<TSettings>(
        Command command,
        Func<ParseResult, TSettings> read,
        Func<TSettings, CancellationToken, Task<int>> run)
        where TSettings : IBenchmarkSettings
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = read(parse);
            if (await ReportAsync(settings.Validate()).ConfigureAwait(false))
            {
                return ExitCode;
            }

            return await run(settings, cancellationToken).ConfigureAwait(false);
        });
    }
}
