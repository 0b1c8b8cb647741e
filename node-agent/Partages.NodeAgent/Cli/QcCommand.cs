using System.CommandLine;
using Partages.NodeAgent.Engine.Quality;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>qc --dataset NAME_OR_PATH [--config node.yaml] [--format jsonl] [--json] [--annotators A,B] [--model BUNDLE.zip]</c>: the hospital's own quality
/// report of a dataset, offline, in full detail (docs/data-quality.md): how many reports, how long, which labels
/// and entity types, what is broken, by kind. Counts only, never a report's text, so the output can be pasted into
/// a ticket. Exit codes: 0 report printed; 2 bad command line, unknown dataset, or a CSV without the columns asked for, agreement asked of a brat folder, a bundle that cannot be read.
/// </summary>
internal static class QcCommand
{
    public static Command Create()
    {
        var (dataset, config, format) = LocalDataset.Options("to profile one of its datasets by name");
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of a table." };
        var annotators = new Option<string[]>("--annotators")
        {
            Description = "Two or more JSONL fields, each one annotator's label of the document: adds their agreement (Krippendorff's alpha; Cohen's kappa for two; Fleiss' kappa for three or more on every document).",
            HelpName = "FIELD,FIELD[,...]",
            AllowMultipleArgumentsPerToken = true,
            CustomParser = result => result.Tokens.SelectMany(token => token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
        };
        annotators.Validators.Add(result =>
        {
            var fields = result.GetValueOrDefault<string[]>() ?? [];
            if (fields.Length == 1)
            {
                result.AddError($"--annotators needs at least two fields to measure agreement; only '{fields[0]}' was given.");
            }
            else if (fields.Distinct(StringComparer.Ordinal).Count() != fields.Length)
            {
                result.AddError("--annotators names a field twice.");
            }
        });
        var model = new Option<FileInfo?>("--model")
        {
            Description = "A model bundle whose tokenizer also measures the reports: lengths in pieces, the share longer than the model's window, the unknown-piece rate. The model itself is not run.",
            HelpName = "BUNDLE.zip",
        };
        var command = new Command("qc", "Profiles a local dataset (lengths, labels, encoding and annotation problems, duplicates), offline.")
        {
            dataset, config, format, json, annotators, model,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(dataset),
            parseResult.GetValue(config),
            parseResult.GetValue(format),
            parseResult.GetValue(json),
            parseResult.GetValue(annotators) ?? [],
            parseResult.GetValue(model),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string datasetArgument,
        FileInfo? config,
        string? format,
        bool json,
        string[] annotators,
        FileInfo? model,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        var dataset = await LocalDataset.ResolveAsync(datasetArgument, config, format, Path.GetFileNameWithoutExtension(datasetArgument), error)
            .ConfigureAwait(false);
        if (dataset is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        (Partages.Evaluation.Quality.PieceProfile Pieces, string Model)? bundle = null;
        if (model is not null)
        {
            if (!model.Exists)
            {
                await error.WriteLineAsync($"--model: {model.FullName} does not exist.").ConfigureAwait(false);
                return ExitCodes.InvalidConfiguration;
            }

            try
            {
                bundle = BundlePieces.Open(model.FullName, new Engine.EvaluationEngineOptions());
            }
            catch (Engine.EvaluationRefusedException ex)
            {
                await error.WriteLineAsync($"--model: {model.FullName} cannot be read as a model bundle: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidConfiguration;
            }
        }

        DatasetQcResult qc;
        try
        {
            qc = DatasetQc.Profile(dataset, annotators, cancellationToken, pieces: bundle?.Pieces);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"Cannot profile {dataset.Path}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }

        var modelName = bundle?.Model;
        await output.WriteAsync(json ? QcReportFormats.ToJson(dataset.Name, qc, modelName) : QcReportFormats.ToTable(dataset.Path, qc, modelName)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
