using Partages.Cli.Signing;
using Partages.Evaluation;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Specs;

namespace Partages.Cli.Commands;

/// <summary>
/// <c>submit SPEC.yaml --model SHA256|BUNDLE.zip [--nodes a,b] [--signature FILE] [--pooled-only]</c>: the spec is checked here first
/// (every error with its line, exit 2) so a typo never waits for the network.
/// </summary>
internal static class SubmitCommand
{
    public static Command Create(CliContext context)
    {
        var spec = new Argument<FileInfo>("spec") { Description = "The evaluation spec (YAML, see eval-specs/README.md)." };
        var model = new Option<string?>("--model", "-m") { Description = "The model bundle: its SHA-256 (already pushed) or a .zip to push now. Optional for dataset_qc, which reads only its tokenizer (lengths in pieces, unknown-piece rate)." };
        var nodes = new Option<string[]>("--nodes")
        {
            Description = "Target these nodes (comma-separated) instead of the spec's list or every enrolled node.",
            AllowMultipleArgumentsPerToken = true,
        };
        var signature = new Option<FileInfo?>("--signature") { Description = "The bundle's signature file. Default with a .zip: BUNDLE.zip.sig.json when it exists." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the evaluation id (for scripts)." };
        var pooledOnly = new Option<bool>("--pooled-only")
        {
            Description = "Pooled-only: the sites' counts are added by secure aggregation and the coordinator learns only their sum (sets the spec's pooled_only: true).",
        };
        var command = new Command("submit", "Submits an evaluation and prints its id.")
        {
            spec, model, nodes, signature, quiet, pooledOnly,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context, c => RunAsync(
            context,
            parse.GetRequiredValue(spec),
            parse.GetValue(model),
            [.. (parse.GetValue(nodes) ?? []).SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
            parse.GetValue(signature),
            parse.GetValue(quiet),
            parse.GetValue(pooledOnly),
            c), ct));
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, FileInfo specFile, string? model, IReadOnlyList<string> nodes, FileInfo? signatureFile, bool quiet, bool pooledOnly, CancellationToken cancellationToken)
    {
        if (!specFile.Exists)
        {
            throw new CliException(ExitCodes.BadInput, $"{specFile.FullName} does not exist.");
        }

        var yaml = await File.ReadAllTextAsync(specFile.FullName, cancellationToken).ConfigureAwait(false);
        if (pooledOnly)
        {
            // The spec sent is the one whose SHA-256 the nodes see: the flag changes the spec, not a side channel.
            yaml = WithPooledOnly(yaml);
        }
        var parsed = SpecParser.Parse(yaml);
        if (!parsed.IsValid)
        {
            await context.Error.WriteLineAsync($"{specFile.Name} is not a valid evaluation spec ({parsed.Errors.Count} error(s)):").ConfigureAwait(false);
            foreach (var error in parsed.Errors)
            {
                await context.Error.WriteLineAsync($"  {specFile.Name}: {error}").ConfigureAwait(false);
            }

            return ExitCodes.BadInput;
        }

        var task = Partages.Evaluation.Tasks.TaskRegistry.Get(parsed.Spec!.Task);
        var usesModel = task.UsesModel;
        if (usesModel != (model is not null) && !(task.ModelOptional && model is not null))
        {
            throw new CliException(ExitCodes.BadInput, usesModel
                ? $"--model is required: task '{parsed.Spec.Task}' runs a model bundle."
                : $"--model must not be given: task '{parsed.Spec.Task}' runs no model (it reads each site's dataset only).");
        }

        if (model is null)
        {
            using var modelFree = await Session.OpenAsync(context, cancellationToken).ConfigureAwait(false);
            return await SubmittedAsync(context, await modelFree.Client.SubmitAsync(yaml, "", nodes, null, cancellationToken).ConfigureAwait(false), yaml, quiet).ConfigureAwait(false);
        }

        var modelHash = model.Trim().ToLowerInvariant();
        var bundleFile = ContentHash.IsWellFormed(modelHash) ? null : new FileInfo(model);
        if (bundleFile is { Exists: false })
        {
            throw new CliException(ExitCodes.BadInput, $"--model: '{model}' is neither a SHA-256 (64 hex digits) nor an existing bundle file.");
        }

        using var session = await Session.OpenAsync(context, cancellationToken).ConfigureAwait(false);
        var output = quiet ? TextWriter.Null : context.Output;
        if (bundleFile is not null)
        {
            modelHash = await ModelsCommand.UploadAsync(context with { Output = output }, session, bundleFile, cancellationToken).ConfigureAwait(false);
            var beside = new FileInfo(bundleFile.FullName + BundleSigning.FileSuffix);
            if (signatureFile is null && beside.Exists)
            {
                signatureFile = beside;
                await output.WriteLineAsync($"Using the signature beside the bundle: {beside.Name}").ConfigureAwait(false);
            }
        }

        BundleSignature? signature = null;
        if (signatureFile is not null)
        {
            signature = Signatures.ToProto(await Signatures.ReadAsync(signatureFile, modelHash, cancellationToken).ConfigureAwait(false));
        }

        var evaluation = await session.Client.SubmitAsync(yaml, modelHash, nodes, signature, cancellationToken).ConfigureAwait(false);
        return await SubmittedAsync(context, evaluation, yaml, quiet).ConfigureAwait(false);
    }

    private static async Task<int> SubmittedAsync(CliContext context, Contracts.V1.Evaluation evaluation, string submittedYaml, bool quiet)
    {
        if (quiet)
        {
            await context.Output.WriteLineAsync(TerminalText.Escape(evaluation.Id)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        await context.Output.WriteLineAsync(
            $"Submitted evaluation {TerminalText.Escape(evaluation.Id)} ({TerminalText.Escape(evaluation.Name)}) to {evaluation.Runs.Count} node(s): {string.Join(", ", evaluation.Runs.Select(r => TerminalText.Escape(r.NodeName)))}; quorum {evaluation.MinSites}.").ConfigureAwait(false);
        // The coordinator accepted this spec as sent, so what it asks is what was submitted.
        if (SpecParser.Parse(submittedYaml).Spec?.PooledOnly == true)
        {
            await context.Output.WriteLineAsync("Pooled-only: the figures will be a secure sum of the sites; no per-site result will exist.").ConfigureAwait(false);
        }

        await context.Output.WriteLineAsync($"Follow it with: partages watch {TerminalText.Escape(evaluation.Id)}").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>The spec with <c>pooled_only: true</c>: its own top-level line replaced, or the line added.</summary>
    internal static string WithPooledOnly(string yaml)
    {
        var line = new System.Text.RegularExpressions.Regex(@"^pooled_only:.*$", System.Text.RegularExpressions.RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        return line.IsMatch(yaml) ? line.Replace(yaml, "pooled_only: true", 1) : yaml.TrimEnd('\n', '\r') + "\npooled_only: true\n";
    }
}
