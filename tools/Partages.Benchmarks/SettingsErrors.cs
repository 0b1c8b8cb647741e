namespace Partages.Benchmarks;

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
}
