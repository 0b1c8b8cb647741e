using System.CommandLine;

namespace Partages.ModelKit.Cli;

/// <summary>The required <c>--out</c>/<c>-o</c> option of every model kit command that writes something.</summary>
internal static class OutputOption
{
    /// <typeparam name="T">A directory or a file, whichever the command writes.</typeparam>
    public static Option<T> Create<T>(string description, string helpName) =>
        new("--out", "-o") { Description = description, HelpName = helpName, Required = true };
}
