using System.CommandLine;
using Partages.Demo;

var workDirectory = new Option<DirectoryInfo>("--work-dir")
{
    Description = "Where the demo keeps its generated data, models, data directories and logs.",
    DefaultValueFactory = _ => new DirectoryInfo(".demo"),
};
var assetsDirectory = new Option<DirectoryInfo?>("--assets-dir")
{
    Description = "Where the generated fictional data and demo model are kept and reused (default: <work-dir>/assets).",
};
var hospitalScale = new Option<double>("--hospital-scale")
{
    Description = "Multiplies each fictional hospital's number of reports (1: 160–280). The default, 30, gives every class at "
        + "every site enough reports for its AUROC to stand out of the noise of ε 1 (about 220 positives); smaller is faster.",
    DefaultValueFactory = _ => Partages.ModelKit.DemoAssetOptions.DemoFederationScale,
};
var qualityControl = new Option<bool>("--qc")
{
    Description = "After the AMR evaluation, run the federated dataset QC (no model) and show the three hospitals' datasets side by side.",
};
var root = new RootCommand("Runs the Partages demo federation: a coordinator and three fictional hospitals evaluating the AMR classifier.")
{
    workDirectory,
    assetsDirectory,
    hospitalScale,
    qualityControl,
};
// Piped output (CI logs, files) has no terminal width; 80 columns would fold the results table.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 140;
}

root.SetAction((parse, cancellationToken) =>
    new DemoRunner(AnsiConsole.Console).RunAsync(parse.GetValue(workDirectory)!, parse.GetValue(assetsDirectory), parse.GetValue(hospitalScale), cancellationToken, parse.GetValue(qualityControl)));
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
