namespace Partages.Evaluation.Bundles;

/// <summary>An evaluator's key pair as written by <see cref="SigningKeyFiles.GenerateAsync"/>.</summary>
public sealed record GeneratedSigningKey(string PrivateKeyPath, string PublicKeyPath, string KeyId);

/// <summary>
/// Creates an evaluator's ECDSA P-256 signing key pair on disk: <c>NAME.key.pem</c> (PKCS#8, private, mode 600 from
/// the moment it exists) and <c>NAME.pub.pem</c> (SubjectPublicKeyInfo, to give to the hospitals). One implementation
/// for <c>partages keys generate</c> and <c>Partages.ModelKit keygen</c>, so both write the same files.
/// </summary>
public static class SigningKeyFiles
{
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a plain file name.</exception>
    /// <exception cref="IOException">A private key of that name exists: a signing key is never overwritten.</exception>
    public static async Task<GeneratedSigningKey> GenerateAsync(string directory, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a plain file name.", nameof(name));
        }

        var folder = Path.GetFullPath(directory);
        var privatePath = Path.Combine(folder, name + ".key.pem");
        var publicPath = Path.Combine(folder, name + ".pub.pem");
        if (File.Exists(privatePath))
        {
            throw new IOException($"{privatePath} exists; a signing key is never overwritten.");
        }

        Directory.CreateDirectory(folder);
        using var keyPair = BundleSigning.CreateKey();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Readable by its owner only, from the moment it exists.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var writer = new StreamWriter(privatePath, options))
        {
            await writer.WriteLineAsync(keyPair.ExportPkcs8PrivateKeyPem().AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        await File.WriteAllTextAsync(publicPath, keyPair.ExportSubjectPublicKeyInfoPem() + "\n", cancellationToken).ConfigureAwait(false);
        return new GeneratedSigningKey(privatePath, publicPath, BundleSigning.KeyIdOf(keyPair));
    }
}
