using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Partages.Gateway;

/// <summary>What the settings mean once checked: parsed addresses and loaded certificates.</summary>
public sealed record GatewaySettings(
    GatewayOptions Options,
    IReadOnlyList<Uri> Replicas,
    X509Certificate2Collection ReplicaCas,
    X509Certificate2 ServerCertificate);

/// <summary>Checks every setting and loads the certificate files, reporting all problems at once.</summary>
public static class GatewayOptionsValidator
{
    /// <summary>The settings, or null with every error in <paramref name="errors"/> (each names the setting and the file).</summary>
    public static GatewaySettings? Validate(GatewayOptions options, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        var found = new List<string>();
        const string s = GatewayOptions.SectionName;

        var checkable = (options.Urls ?? "").Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(checkable, UriKind.Absolute, out var listen) || listen.Scheme != Uri.UriSchemeHttps || listen.AbsolutePath != "/")
        {
            found.Add($"{s}:Urls '{options.Urls}' must be one https:// URL without a path, e.g. https://0.0.0.0:8443.");
        }

        var replicas = Replicas(options.Replicas, found);
        var cas = ReplicaCas(options.ReplicaCaFile, found);
        var server = ServerCertificate(options.Tls, found);

        Range(found, $"{s}:HealthCheckIntervalSeconds", options.HealthCheckIntervalSeconds, 1, 3600);
        Range(found, $"{s}:HealthCheckTimeoutSeconds", options.HealthCheckTimeoutSeconds, 1, 3600);
        if (options.HealthCheckTimeoutSeconds > options.HealthCheckIntervalSeconds)
        {
            found.Add($"{s}:HealthCheckTimeoutSeconds ({options.HealthCheckTimeoutSeconds}) must not exceed {s}:HealthCheckIntervalSeconds ({options.HealthCheckIntervalSeconds}).");
        }

        Range(found, $"{s}:HealthCheckFailures", options.HealthCheckFailures, 1, 100);
        Range(found, $"{s}:PassiveReactivationSeconds", options.PassiveReactivationSeconds, 1, 3600);
        Range(found, $"{s}:StreamIdleTimeoutSeconds", options.StreamIdleTimeoutSeconds, 60, 7 * 86_400);

        errors = found;
        return found.Count == 0 ? new GatewaySettings(options, replicas, cas!, server!) : null;
    }

    private static List<Uri> Replicas(List<string>? configured, List<string> errors)
    {
        const string name = GatewayOptions.SectionName + ":Replicas";
        var replicas = new List<Uri>();
        if (configured is not { Count: > 0 })
        {
            errors.Add($"{name} is empty: list every coordinator replica (--{name}:0=https://replica-0:7443, --{name}:1=...).");
            return replicas;
        }

        for (var i = 0; i < configured.Count; i++)
        {
            var text = configured[i];
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || url.AbsolutePath != "/" || url.Query.Length > 0)
            {
                errors.Add($"{name}:{i} '{text}' must be an https:// URL without a path (the replica's TLS port, e.g. https://replica-0:7443).");
            }
            else if (replicas.Contains(url))
            {
                errors.Add($"{name}:{i} '{text}' is listed twice.");
            }
            else
            {
                replicas.Add(url);
            }
        }

        return replicas;
    }

    private static X509Certificate2Collection? ReplicaCas(string? file, List<string> errors)
    {
        const string name = GatewayOptions.SectionName + ":ReplicaCaFile";
        if (string.IsNullOrWhiteSpace(file))
        {
            errors.Add($"{name} is required: the coordinator's CA certificate (PEM, its data dir's pki/ca.crt), the only root the replicas' certificates may chain to.");
            return null;
        }

        if (!File.Exists(file))
        {
            errors.Add($"{name}: {Path.GetFullPath(file)} does not exist.");
            return null;
        }

        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(file);
        }
        catch (CryptographicException ex)
        {
            errors.Add($"{name}: {Path.GetFullPath(file)} is not a PEM certificate file ({ex.Message}).");
            return null;
        }

        if (cas.Count == 0)
        {
            errors.Add($"{name}: {Path.GetFullPath(file)} holds no certificate (PEM 'BEGIN CERTIFICATE' blocks expected).");
            return null;
        }

        return cas;
    }

    private static X509Certificate2? ServerCertificate(GatewayTlsOptions? tls, List<string> errors)
    {
        const string name = GatewayOptions.SectionName + ":Tls";
        tls ??= new GatewayTlsOptions();
        var pfx = !string.IsNullOrWhiteSpace(tls.PfxFile);
        var pem = !string.IsNullOrWhiteSpace(tls.CertificateFile) || !string.IsNullOrWhiteSpace(tls.KeyFile);
        if (pfx == pem)
        {
            errors.Add($"Give exactly one of {name}:PfxFile (PKCS#12) or {name}:CertificateFile with {name}:KeyFile (PEM, e.g. a Kubernetes TLS secret's tls.crt and tls.key): the gateway's server certificate.");
            return null;
        }

        var files = pfx ? [(Setting: "PfxFile", Path: tls.PfxFile)] : new[] { (Setting: "CertificateFile", Path: tls.CertificateFile), (Setting: "KeyFile", Path: tls.KeyFile) };
        var missing = false;
        foreach (var (setting, path) in files)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                errors.Add($"{name}:{setting} is required with the other PEM file.");
                missing = true;
            }
            else if (!File.Exists(path))
            {
                errors.Add($"{name}:{setting}: {Path.GetFullPath(path)} does not exist.");
                missing = true;
            }
        }

        if (missing)
        {
            return null;
        }

        try
        {
            var certificate = pfx
                ? X509CertificateLoader.LoadPkcs12FromFile(tls.PfxFile, tls.PfxPassword.Length > 0 ? tls.PfxPassword : null)
                : X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
            if (!certificate.HasPrivateKey)
            {
                errors.Add($"{name}: the certificate in {Path.GetFullPath(pfx ? tls.PfxFile : tls.CertificateFile)} has no private key.");
                return null;
            }

            return certificate;
        }
        catch (CryptographicException ex)
        {
            errors.Add($"{name}: {Path.GetFullPath(pfx ? tls.PfxFile : tls.CertificateFile)} cannot be loaded ({ex.Message}; wrong password, or not a certificate with its key?).");
            return null;
        }
    }

    private static void Range(List<string> errors, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{name} is {value}; it must be within {min}..{max}.");
        }
    }
}
