using Partages.Cli.Signing;

namespace Partages.Cli.Commands;

/// <summary><c>models push BUNDLE.zip [--signature FILE.sig.json | --sign-key KEY.pem]</c>.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliContext context)
    {
        var bundle = new Argument<FileInfo>("bundle") { Description = "The model bundle (.zip, see docs/model-bundle.md)." };
        var signature = new Option<FileInfo?>("--signature") { Description = "A signature file for this bundle (made by 'Partages.ModelKit sign'); checked to name this bundle." };
        var signKey = new Option<FileInfo?>("--sign-key") { Description = "Sign the bundle with this ECDSA P-256 private key (PEM) and write BUNDLE.zip.sig.json next to it." };
        var push = new Command("push", "Uploads a model bundle to the coordinator's content-addressed store and prints its SHA-256.")
        {
            bundle, signature, signKey,
        };
        push.SetAction((parse, ct) => CommandRunner.RunAsync(context, c => PushAsync(
            context, parse.GetRequiredValue(bundle), parse.GetValue(signature), parse.GetValue(signKey), c), ct));
        return new Command("models", "Model bundles.") { push };
    }

    private static async Task<int> PushAsync(CliContext context, FileInfo bundle, FileInfo? signatureFile, FileInfo? signKey, CancellationToken cancellationToken)
    {
        if (signatureFile is not null && signKey is not null)
        {
            throw new CliException(ExitCodes.BadInput, "Give --signature (an existing signature) or --sign-key (sign now), not both.");
        }

        using var session = await Session.OpenAsync(context, cancellationToken).ConfigureAwait(false);
        var sha256 = await UploadAsync(context, session, bundle, cancellationToken).ConfigureAwait(false);
        if (signatureFile is not null)
        {
            var signature = await Signatures.ReadAsync(signatureFile, sha256, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"Signature {signatureFile.Name} matches (key {signature.KeyId}); pass it to submit with --signature.").ConfigureAwait(false);
        }
        else if (signKey is not null)
        {
            var (signature, path) = await Signatures.SignAsync(signKey, bundle.FullName, sha256, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"Signed with key {signature.KeyId}: {path}").ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Uploads the bundle (the store deduplicates by hash) and prints its SHA-256; returns it.</summary>
    internal static async Task<string> UploadAsync(CliContext context, Session session, FileInfo bundle, CancellationToken cancellationToken)
    {
        if (!bundle.Exists)
        {
            throw new CliException(ExitCodes.BadInput, $"{bundle.FullName} does not exist.");
        }

        var reference = await session.Client.UploadBundleAsync(bundle.FullName, cancellationToken).ConfigureAwait(false);
        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Uploaded {bundle.Name} ({reference.SizeBytes:N0} bytes): sha256 {reference.Sha256}")).ConfigureAwait(false);
        return reference.Sha256;
    }
}
