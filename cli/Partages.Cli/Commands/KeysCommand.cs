using Partages.Evaluation.Bundles;

namespace Partages.Cli.Commands;

/// <summary>
/// <c>keys generate [--out DIR] [--name NAME]</c>: the evaluator's bundle-signing key pair (the same files as
/// <c>Partages.ModelKit keygen</c>, through <see cref="SigningKeyFiles"/>). The private key stays here, 0600; the public
/// key and its key id go to the hospitals, whose policy lists it under <c>models.trusted_signers</c>; bundles are then
/// signed with <c>models push --sign-key</c>. Exit 0 done, 2 bad name or a key that exists.
/// </summary>
internal static class KeysCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<DirectoryInfo?>("--out", "-o")
        {
            Description = "Directory for NAME.key.pem and NAME.pub.pem (default: the profile's folder, keys/; created if missing).",
            HelpName = "DIR",
        };
        var name = new Option<string>("--name") { Description = "File name stem, also how hospitals will name you.", DefaultValueFactory = _ => "evaluator" };
        var generate = new Command("generate", "Creates your ECDSA P-256 bundle-signing key pair and prints its key id.") { output, name };
        generate.SetAction((parse, ct) => CommandRunner.RunAsync(context, async c =>
        {
            // Beside the profile by default: a folder of the user's own (0700), not the working copy a key could be committed from.
            var directory = parse.GetValue(output)?.FullName ?? Path.Combine(context.ConfigDirectory, "keys");
            var stem = parse.GetValue(name) ?? "evaluator";
            GeneratedSigningKey key;
            try
            {
                key = await SigningKeyFiles.GenerateAsync(directory, stem, c).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                throw new CliException(ExitCodes.BadInput, $"--name: '{stem}' is not a plain file name.");
            }
            catch (IOException ex)
            {
                throw new CliException(ExitCodes.BadInput, ex.Message);
            }

            await context.Output.WriteLineAsync($"Private key: {key.PrivateKeyPath} (keep it secret; sign with 'partages models push BUNDLE.zip --sign-key {key.PrivateKeyPath}')").ConfigureAwait(false);
            await context.Output.WriteLineAsync($"Public key:  {key.PublicKeyPath} (give it to the hospitals: models.trusted_signers in their policy)").ConfigureAwait(false);
            await context.Output.WriteLineAsync($"Key id:      {key.KeyId}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return new Command("keys", "Your bundle-signing key (hospitals may require signed model bundles).") { generate };
    }
}
