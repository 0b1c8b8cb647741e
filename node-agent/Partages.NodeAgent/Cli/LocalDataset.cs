using System.CommandLine;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Cli;

/// <summary>The dataset of a local command (<c>evaluate</c>, <c>qc</c>): a name of node.yaml, or a path.</summary>
internal static class LocalDataset
{
    /// <summary>The options that name the dataset: <c>--dataset</c>, <c>--config</c>, <c>--format</c>.</summary>
    /// <param name="configPurpose">What the configuration is read for, ending its description.</param>
    public static (Option<string> Dataset, Option<FileInfo?> Config, Option<string?> Format) Options(string configPurpose)
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "A dataset name of node.yaml (with --config), or the path of a dataset file (jsonl, csv) or brat folder.",
            Required = true,
            HelpName = "NAME_OR_PATH",
        };
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = $"The node's configuration, {configPurpose}. Nothing else of it is used.",
        };
        var format = new Option<string?>("--format")
        {
            Description = "Format of a dataset given by path; default: from the extension (.jsonl, .csv) or brat for a folder.",
            HelpName = "jsonl|csv|brat",
        };
        format.AcceptOnlyFromAmong([.. DatasetFormats.All]);
        return (dataset, config, format);
    }

    /// <summary>
    /// A name of node.yaml's datasets when <c>--config</c> is given and names it; otherwise a path, whose format comes
    /// from <c>--format</c> or the extension. A dataset given by path takes <paramref name="name"/> (the spec's dataset name in local mode, as on a node).
    /// </summary>
    public static async Task<DatasetDefinition?> ResolveAsync(string dataset, FileInfo? configFile, string? format, string name, TextWriter error)
    {
        if (configFile is not null)
        {
            var config = CommonOptions.LoadOrReport(configFile, error);
            if (config is null)
            {
                return null;
            }

            if (config.FindDataset(dataset) is { } named)
            {
                return named;
            }

            if (!File.Exists(dataset) && !Directory.Exists(dataset))
            {
                var names = config.Datasets.Count == 0 ? "none" : string.Join(", ", config.Datasets.Select(d => d.Name));
                await error.WriteLineAsync(
                    $"Dataset '{dataset}' is neither a dataset of {config.SourcePath} (it declares: {names}) nor an existing file or folder.").ConfigureAwait(false);
                return null;
            }
        }

        var path = Path.GetFullPath(dataset);
        var isFolder = Directory.Exists(path);
        if (!isFolder && !File.Exists(path))
        {
            await error.WriteLineAsync(
                $"Dataset not found: {path} (give the path of a dataset file or brat folder, or a dataset name with --config node.yaml).").ConfigureAwait(false);
            return null;
        }

        var resolved = format ?? (isFolder
            ? DatasetFormats.Brat
            : Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".jsonl" or ".json" or ".ndjson" => DatasetFormats.Jsonl,
                ".csv" => DatasetFormats.Csv,
                _ => null,
            });
        if (resolved is null)
        {
            await error.WriteLineAsync($"Cannot tell the format of {path} from its extension; give --format {string.Join("|", DatasetFormats.All)}.").ConfigureAwait(false);
            return null;
        }

        return new DatasetDefinition(name, path, resolved);
    }
}
