using System.CommandLine;
using Partages.Demo;
using Spectre.Console;

var workDirectory = new Option<DirectoryInfo>("--work-dir")
{
    Description = "Where the demo keeps its generated data, models, data directories and logs.",
    DefaultValueFactory = _ => new DirectoryInfo(".demo"),
};
var root = new RootCommand("Runs the Partages demo federation: a coordinator and three fictional hospitals evaluating the AMR classifier.")
{
    workDirectory,
};
root.SetAction((parse, cancellationToken) =>
    new DemoRunner(AnsiConsole.Console).RunAsync(parse.GetValue(workDirectory)!, cancellationToken));
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
