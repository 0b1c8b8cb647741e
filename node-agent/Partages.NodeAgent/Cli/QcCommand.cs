using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Partages.Contracts;
using Partages.Evaluation.Quality;
using Partages.NodeAgent.Engine.Quality;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>qc --dataset NAME_OR_PATH [--config node.yaml] [--format jsonl] [--json]</c>: the hospital's own quality
/// report of a dataset, offline, in full detail (docs/data-quality.md): how many reports, how long, which labels
/// and entity types, what is broken, by kind. Counts only, never a report's text, so the output can be pasted into
/// a ticket. Exit codes: 0 report printed; 2 bad command line, unknown dataset, or a format qc cannot read.
/// </summary>
internal static class QcCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "A dataset name of node.yaml (with --config), or the path of a dataset file.",
            Required = true,
            HelpName = "NAME_OR_PATH",
        };
        var config = new Option<FileInfo?>("--config", "-c") { Description = "The node's configuration, to profile one of its datasets by name." };
        var format = new Option<string?>("--format") { Description = "Format of a dataset given by path; default: from the extension.", HelpName = "jsonl" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of a table." };
        var command = new Command("qc", "Profiles a local dataset (lengths, labels, encoding and annotation problems, duplicates), offline.")
        {
            dataset, config, format, json,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(dataset),
            parseResult.GetValue(config),
            parseResult.GetValue(format),
            parseResult.GetValue(json),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string datasetArgument, FileInfo? config, string? format, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var dataset = await LocalDataset.ResolveAsync(datasetArgument, config, format, Path.GetFileNameWithoutExtension(datasetArgument), error)
            .ConfigureAwait(false);
        if (dataset is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        DatasetProfile profile;
        try
        {
            profile = DatasetQc.Profile(dataset, cancellationToken);
        }
        catch (Exception ex) when (ex is NotSupportedException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"Cannot profile {dataset.Path}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }

        await output.WriteAsync(json ? ToJson(dataset.Name, profile) : ToTable(dataset.Path, profile)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    internal static string ToJson(string name, DatasetProfile profile) => JsonSerializer.Serialize(
        new
        {
            dataset = name,
            documents = profile.Documents,
            length_bins_lower_edges = LengthHistogram.LowerEdges,
            characters = profile.Characters.Counts,
            words = profile.Words.Counts,
            labels = profile.Labels,
            entity_types = profile.EntityTypes,
            findings = profile.Findings,
        },
        new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;

    internal static string ToTable(string path, DatasetProfile profile)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Dataset {TerminalText.Escape(path)}: {profile.Documents} report(s)");
        AppendHistogram(text, "Length in characters", profile.Characters);
        AppendHistogram(text, "Length in words", profile.Words);
        AppendCounts(text, "Labels (documents)", profile.Labels);
        AppendCounts(text, "Entity types (entities)", profile.EntityTypes);
        AppendCounts(text, "Findings (reports; a report counts under each of its problems)", profile.Findings);
        return text.ToString();
    }

    private static void AppendHistogram(System.Text.StringBuilder text, string title, LengthHistogram histogram)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
        for (var bin = 0; bin < LengthHistogram.Bins; bin++)
        {
            if (histogram.Counts[bin] == 0)
            {
                continue;
            }

            var upper = bin == LengthHistogram.Bins - 1 ? "" : (bin == 0 ? "0" : ((LengthHistogram.LowerEdges[bin] * 2) - 1).ToString(CultureInfo.InvariantCulture));
            var range = bin == 0 ? "0" : $"{LengthHistogram.LowerEdges[bin]}–{upper}";
            text.AppendLine(CultureInfo.InvariantCulture, $"  {range,-15} {histogram.Counts[bin],10}");
        }
    }

    private static void AppendCounts(System.Text.StringBuilder text, string title, IReadOnlyDictionary<string, long> counts)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:{(counts.Count == 0 ? " none" : "")}");
        foreach (var (key, count) in counts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {TerminalText.Escape(key),-40} {count,10}");
        }
    }
}
