using System.CommandLine;
using Partages.Evaluation.Results;
using Partages.Evaluation.Specs;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.LocalMode;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>evaluate --model BUNDLE.zip --spec SPEC.yaml --dataset NAME_OR_PATH [--config node.yaml] [--format jsonl|csv|brat]
/// [--predictions-out FILE]</c>: local mode for the hospital's own data scientists. Runs the engine fully offline (no
/// coordinator, no identity, no network code on the path) and prints on stdout exactly the results JSON a node would
/// release for the task, through the same serializer. The results are not passed through the release gate: they are
/// shown, unsuppressed, to the people who already hold the data, and nothing leaves the machine. Exit codes: 0 results
/// printed; 1 the engine refused the job (bundle and manifest disagree, labels differ, dataset unreadable…) or it
/// failed; 2 bad command line, missing file, invalid spec or node.yaml (every error listed), unknown dataset.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model")
        {
            Description = "The model bundle (zip: manifest.json, ONNX graph, vocabulary).",
            Required = true,
            HelpName = "BUNDLE.zip",
        };
        var spec = new Option<FileInfo>("--spec")
        {
            Description = "The evaluation spec (YAML; eval-specs/README.md).",
            Required = true,
            HelpName = "SPEC.yaml",
        };
        var (dataset, config, format) = LocalDataset.Options("to evaluate one of its datasets by name");
        var predictionsOut = new Option<FileInfo?>("--predictions-out")
        {
            Description = "Also write one JSON line per document (id, gold, pred, scores) to this local file. Never sent anywhere.",
            HelpName = "FILE",
        };
        var command = new Command("evaluate", "Local mode: evaluates a model bundle on a local dataset, offline, and prints the results JSON a node would release.")
        {
            model, spec, dataset, config, format, predictionsOut,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            new Request(
                parseResult.GetRequiredValue(model),
                parseResult.GetRequiredValue(spec),
                parseResult.GetRequiredValue(dataset),
                parseResult.GetValue(config),
                parseResult.GetValue(format),
                parseResult.GetValue(predictionsOut)),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Request request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!request.Model.Exists)
        {
            await error.WriteLineAsync($"Model bundle not found: {request.Model.FullName}").ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }

        var spec = await LoadSpecAsync(request.Spec, error, cancellationToken).ConfigureAwait(false);
        if (spec is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        var dataset = await LocalDataset.ResolveAsync(request.Dataset, request.Config, request.Format, spec.Dataset, error).ConfigureAwait(false);
        if (dataset is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        var job = new EvaluationJob(request.Model.FullName, spec, dataset);
        var engine = new EvaluationEngine();
        ResultDocument result;
        try
        {
            result = request.PredictionsOut is null
                ? await engine.EvaluateLocallyAsync(job, null, null, cancellationToken).ConfigureAwait(false)
                : await EvaluateWithPredictionsAsync(engine, job, request.PredictionsOut, error, cancellationToken).ConfigureAwait(false);
        }
        catch (PredictionsFileException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }
        catch (EvaluationRefusedException ex)
        {
            await error.WriteLineAsync($"The evaluation was refused: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await error.WriteLineAsync($"The evaluation failed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await output.WriteLineAsync(ResultJson.Serialize(result)).ConfigureAwait(false);
        var evaluated = result.InputSummary;
        await error.WriteLineAsync(
            $"Evaluated {evaluated.DocumentsEvaluated} of {evaluated.DocumentsRead} document(s) of {dataset.Path}. Local mode: these results are not " +
            "suppressed by the release gate and nothing was sent anywhere.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static async Task<EvaluationSpec?> LoadSpecAsync(FileInfo file, TextWriter error, CancellationToken cancellationToken)
    {
        string yaml;
        try
        {
            yaml = await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"Cannot read the spec {file.FullName}: {ex.Message}").ConfigureAwait(false);
            return null;
        }

        var parsed = SpecParser.Parse(yaml);
        if (parsed.IsValid)
        {
            return parsed.Spec;
        }

        await error.WriteLineAsync($"{file.FullName} is not a valid evaluation spec ({parsed.Errors.Count} error(s)):").ConfigureAwait(false);
        foreach (var problem in parsed.Errors)
        {
            await error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// Writes the predictions to a temporary file beside the target and moves it into place only when the run
    /// succeeded, so a refused or failed run leaves no half-written file that looks complete.
    /// </summary>
    private static async Task<ResultDocument> EvaluateWithPredictionsAsync(
        EvaluationEngine engine,
        EvaluationJob job,
        FileInfo target,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        var partial = target.FullName + ".partial";
        JsonlPredictionWriter writer;
        try
        {
            Directory.CreateDirectory(target.DirectoryName!);
            writer = JsonlPredictionWriter.Create(partial);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PredictionsFileException($"Cannot write the predictions file {target.FullName}: {ex.Message}", ex);
        }

        var moved = false;
        try
        {
            ResultDocument result;
            using (writer)
            {
                result = await engine.EvaluateLocallyAsync(job, writer, null, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, target.FullName, overwrite: true);
            moved = true;
            await error.WriteLineAsync($"Wrote {writer.Written} prediction(s) to {target.FullName} (local file, never sent).").ConfigureAwait(false);
            return result;
        }
        finally
        {
            if (!moved)
            {
                File.Delete(partial);
            }
        }
    }

    private sealed record Request(FileInfo Model, FileInfo Spec, string Dataset, FileInfo? Config, string? Format, FileInfo? PredictionsOut);

    private sealed class PredictionsFileException(string message, Exception inner) : Exception(message, inner);
}
