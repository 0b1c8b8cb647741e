using System.Security.Cryptography;
using Google.Protobuf;
using Partages.Evaluation.Bundles;

namespace Partages.Cli.Signing;

/// <summary>
/// Bundle signatures on the evaluator's side: read a <c>.sig.json</c> file (checking it names the bundle being
/// submitted), or sign a bundle with the evaluator's P-256 key and write that file next to it.
/// </summary>
internal static class Signatures
{
    /// <exception cref="CliException">Missing or invalid file, or a signature over another bundle (exit 2).</exception>
    public static async Task<DetachedSignature> ReadAsync(FileInfo file, string bundleSha256, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new CliException(ExitCodes.BadInput, $"--signature: {file.FullName} does not exist.");
        }

        DetachedSignature signature;
        try
        {
            signature = DetachedSignature.FromJson(await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ExitCodes.BadInput, $"--signature: {file.FullName}: {ex.Message}");
        }

        if (!string.Equals(signature.BundleSha256, bundleSha256, StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.BadInput, $"--signature: {file.Name} signs bundle {signature.BundleSha256}, not {bundleSha256}.");
        }

        return signature;
    }

    /// <summary>Signs the bundle hash with the private key in <paramref name="keyFile"/> and writes <c>BUNDLE.sig.json</c>.</summary>
    public static async Task<(DetachedSignature Signature, string Path)> SignAsync(FileInfo keyFile, string bundlePath, string bundleSha256, CancellationToken cancellationToken)
    {
        if (!keyFile.Exists)
        {
            throw new CliException(ExitCodes.BadInput, $"--sign-key: {keyFile.FullName} does not exist.");
        }

        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(await File.ReadAllTextAsync(keyFile.FullName, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new CliException(ExitCodes.BadInput, $"--sign-key: {keyFile.FullName} is not an unencrypted ECDSA private key in PEM.");
        }

        DetachedSignature signature;
        try
        {
            signature = BundleSigning.Sign(bundleSha256, key);
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ExitCodes.BadInput, $"--sign-key: {ex.Message}");
        }

        var path = bundlePath + BundleSigning.FileSuffix;
        await File.WriteAllTextAsync(path, signature.ToJson(), cancellationToken).ConfigureAwait(false);
        return (signature, path);
    }

    public static BundleSignature ToProto(DetachedSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new BundleSignature
        {
            Algorithm = signature.Algorithm,
            KeyId = signature.KeyId,
            Signature = ByteString.CopyFrom(signature.Signature),
        };
    }
}
