using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.Trust;

namespace Partages.NodeAgent.Enrollment;

/// <summary>The steps of installing a renewed identity, in order (a test can stop the install after any of them).</summary>
public enum InstallStep
{
    /// <summary>The new key and certificate are in <see cref="IdentityFiles.RenewalPath"/>: from here the new identity wins.</summary>
    RenewalWritten,

    /// <summary>The new key replaced <see cref="IdentityFiles.KeyPath"/>; the certificate file is still the old one.</summary>
    KeyReplaced,

    /// <summary>The new certificate replaced <see cref="IdentityFiles.CertificatePath"/>.</summary>
    CertificateReplaced,
}

/// <summary>
/// Stores a renewed key and certificate so that an interruption at any point leaves a usable identity, never a key of
/// one identity beside the certificate of another: both go first into one file written atomically (temp file, then
/// rename); only then are <c>node.key</c> and <c>node.crt</c> replaced, each atomically; the combined file is removed
/// last. Loading an identity (<see cref="NodeIdentity.Load"/>) first finishes an install that was interrupted: before
/// the combined file exists, the previous identity is intact; after, the new one is completed from it.
/// </summary>
public static class IdentityInstaller
{
    /// <summary>Installs the renewed identity; <paramref name="afterStep"/> runs after each step (tests throw from it).</summary>
    public static void Install(IdentityFiles files, string keyPem, string certificatePem, Action<InstallStep>? afterStep = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        SecureFile.WriteAllText(files.RenewalPath, keyPem.TrimEnd() + "\n" + certificatePem.TrimEnd() + "\n", SecureFile.OwnerReadWrite);
        afterStep?.Invoke(InstallStep.RenewalWritten);
        Complete(files, keyPem, certificatePem, afterStep);
    }

    /// <summary>
    /// Finishes an interrupted install, if there is one. A combined file that does not hold a matching key and
    /// certificate chaining to a trusted CA (it cannot be half-written, but it may have been tampered with) is set
    /// aside as <c>renewal.pem.rejected</c> and the installed identity is left as it is.
    /// </summary>
    /// <returns>What happened, for the caller to log; null when nothing was pending.</returns>
    public static string? CompletePending(IdentityFiles files, IReadOnlyList<X509Certificate2> trusted)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(trusted);
        if (!File.Exists(files.RenewalPath))
        {
            return null;
        }

        var text = File.ReadAllText(files.RenewalPath);
        string? problem;
        try
        {
            using var renewed = X509Certificate2.CreateFromPem(text, text);
            problem = trusted.Any(ca => TrustedChain.Builds(renewed, ca, [], at: null, out _)) ? null : "its certificate does not chain to a trusted CA";
        }
        catch (CryptographicException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            File.Move(files.RenewalPath, files.RenewalPath + ".rejected", overwrite: true);
            return $"an interrupted certificate renewal was set aside ({problem}); the installed identity is kept";
        }

        var (keyPem, certificatePem) = Split(text);
        Complete(files, keyPem, certificatePem, afterStep: null);
        return "an interrupted certificate renewal was completed: the renewed key and certificate are installed";
    }

    private static void Complete(IdentityFiles files, string keyPem, string certificatePem, Action<InstallStep>? afterStep)
    {
        SecureFile.WriteAllText(files.KeyPath, keyPem.TrimEnd() + "\n", SecureFile.OwnerReadWrite);
        afterStep?.Invoke(InstallStep.KeyReplaced);
        SecureFile.WriteAllText(files.CertificatePath, certificatePem.TrimEnd() + "\n", SecureFile.WorldReadable);
        afterStep?.Invoke(InstallStep.CertificateReplaced);
        File.Delete(files.RenewalPath);
    }

    private static (string KeyPem, string CertificatePem) Split(string text)
    {
        var start = text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        return start < 0 ? (text, "") : (text[..start], text[start..]);
    }
}
