using Partages.Cli.Signing;
using Partages.Evaluation;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Specs;

namespace Partages.Cli.Commands;

/// <summary>
/// <c>submit SPEC.yaml --model SHA256|BUNDLE.zip [--nodes a,b] [--signature FILE]</c>: the spec is checked here first
/// (every error with its line, exit 2) so a typo never waits for the network.
/// </summary>
internal static class SubmitCommand
{
    public static Command Create(CliContext context)
    {
        var spec = new Argument<FileInfo>("spec") { Description = "The evaluation spec (YAML, see eval-specs/README.md)." };
        var model = new Option<string>("--model", "-m") { Description = "The model bundle: its SHA-256 (already pushed) or a .zip to push now.", Required = true };
        var nodes = new Option<string[]>("--nodes")
        {
            Description = "Target these nodes (comma-separated) instead of the spec's list or every enrolled node.",
            AllowMultipleArgumentsPerToken = true,
        };
        var signature = new Option<FileInfo?>("--signature") { Description = "The bundle's signature file. Default with a .zip: BUNDLE.zip.sig.json when it exists." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the evaluation id (for scripts)." };
        var command = new Command("submit", "Submits an evaluation and prints its id.")
        {
            spec, model, nodes, signature, quiet,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context, c => RunAsync(
            context,
            parse.GetRequiredValue(spec),
            parse.GetRequiredValue(model),
            [.. (parse.GetValue(nodes) ?? []).SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
            parse.GetValue(signature),
            parse.GetValue(quiet),
            c), ct));
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, FileInfo specFile, string model, IReadOnlyList<string> nodes, FileInfo? signatureFile, bool quiet, CancellationToken cancellationToken)
    {
        if (!specFile.Exists)
        {
            throw new CliException(ExitCodes.BadInput, $"{specFile.FullName} does not exist.");
        }

        var yaml = await File.ReadAllTextAsync(specFile.FullName, cancellationToken).ConfigureAwait(false);
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
        if (quiet)
        {
            await context.Output.WriteLineAsync(TerminalText.Escape(evaluation.Id)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        await context.Output.WriteLineAsync(
            $"Submitted evaluation {TerminalText.Escape(evaluation.Id)} ({TerminalText.Escape(evaluation.Name)}) to {evaluation.Runs.Count} node(s): {string.Join(", ", evaluation.Runs.Select(r => TerminalText.Escape(r.NodeName)))}; quorum {evaluation.MinSites}.").ConfigureAwait(false);
        await context.Output.WriteLineAsync($"Follow it with: partages watch {TerminalText.Escape(evaluation.Id)}").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
