using System.CommandLine;
using System.Security.Cryptography;
using Partages.Evaluation;

namespace Partages.ModelKit.Cli;

/// <summary>
/// <c>keygen --out DIR [--name NAME]</c>: an evaluator's ECDSA P-256 key pair (NAME.key.pem, private, mode 600;
/// NAME.pub.pem, to give to the hospitals). <c>sign --bundle ZIP --key KEY.pem</c>: writes ZIP.sig.json, the detached
/// signature nodes check before loading the bundle. Exit codes: 0 done, 2 bad input.
/// </summary>
internal static class SigningCommands
{
    private const int BadInput = 2;

    public static Command CreateKeygen()
    {
        var output = OutputOption.Create<DirectoryInfo>("Directory to write the key pair into (created if missing).", "DIR");
        var name = new Option<string>("--name") { Description = "File name stem: NAME.key.pem and NAME.pub.pem.", DefaultValueFactory = _ => "evaluator" };
        var command = new Command("keygen", "Create an evaluator's ECDSA P-256 signing key pair and print its key id.") { output, name };
        command.SetAction((parse, cancellationToken) => KeygenAsync(parse.GetRequiredValue(output), parse.GetValue(name)!, Console.Out, Console.Error, cancellationToken));
        return command;
    }

    public static Command CreateSign()
    {
        var bundle = new Option<FileInfo>("--bundle") { Description = "The model bundle (zip) to sign.", HelpName = "ZIP", Required = true };
        var key = new Option<FileInfo>("--key") { Description = "The evaluator's private key (PEM, ECDSA P-256).", HelpName = "KEY.pem", Required = true };
        var command = new Command("sign", "Sign a model bundle: writes ZIP.sig.json next to it.") { bundle, key };
        command.SetAction((parse, cancellationToken) => SignAsync(parse.GetRequiredValue(bundle), parse.GetRequiredValue(key), Console.Out, Console.Error, cancellationToken));
        return command;
    }

    internal static async Task<int> KeygenAsync(DirectoryInfo output, string name, TextWriter console, TextWriter errors, CancellationToken cancellationToken)
    {
        GeneratedSigningKey key;
        try
        {
            // The same files as 'partages keys generate' (SigningKeyFiles): one implementation for both tools.
            key = await SigningKeyFiles.GenerateAsync(output.FullName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            await errors.WriteLineAsync($"--name: '{name}' is not a plain file name.").ConfigureAwait(false);
            return BadInput;
        }
        catch (IOException ex)
        {
            await errors.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return BadInput;
        }

        await console.WriteLineAsync($"Private key: {key.PrivateKeyPath} (keep it secret)").ConfigureAwait(false);
        await console.WriteLineAsync($"Public key:  {key.PublicKeyPath} (give it to the hospitals: models.trusted_signers in their policy)").ConfigureAwait(false);
        await console.WriteLineAsync($"Key id:      {key.KeyId}").ConfigureAwait(false);
        return 0;
    }

    internal static async Task<int> SignAsync(FileInfo bundle, FileInfo keyFile, TextWriter console, TextWriter errors, CancellationToken cancellationToken)
    {
        if (!bundle.Exists || !keyFile.Exists)
        {
            await errors.WriteLineAsync($"{(bundle.Exists ? keyFile.FullName : bundle.FullName)} does not exist.").ConfigureAwait(false);
            return BadInput;
        }

        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(await File.ReadAllTextAsync(keyFile.FullName, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            await errors.WriteLineAsync($"{keyFile.FullName} is not an unencrypted ECDSA private key in PEM.").ConfigureAwait(false);
            return BadInput;
        }

        var bundleSha256 = await ContentHash.OfFileAsync(bundle.FullName, cancellationToken).ConfigureAwait(false);
        DetachedSignature signature;
        try
        {
            signature = BundleSigning.Sign(bundleSha256, key);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            await errors.WriteLineAsync($"{keyFile.FullName}: {ex.Message}").ConfigureAwait(false);
            return BadInput;
        }

        var path = bundle.FullName + BundleSigning.FileSuffix;
        await File.WriteAllTextAsync(path, signature.ToJson() + "\n", cancellationToken).ConfigureAwait(false);
        await console.WriteLineAsync($"Signed {bundle.Name} (sha256 {bundleSha256}) with key {signature.KeyId}: {path}").ConfigureAwait(false);
        return 0;
    }
}
