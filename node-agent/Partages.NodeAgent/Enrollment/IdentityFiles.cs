namespace Partages.NodeAgent.Enrollment;

/// <summary>Where the node's identity lives: <c>&lt;data_directory&gt;/identity/{node.key,node.crt,ca.crt}</c>.</summary>
public sealed record IdentityFiles(string Directory)
{
    /// <summary>The node's private key: PEM PKCS#8, mode 0600, generated here and never sent.</summary>
    public string KeyPath => Path.Combine(Directory, "node.key");

    /// <summary>The node's client certificate, signed by the coordinator's CA.</summary>
    public string CertificatePath => Path.Combine(Directory, "node.crt");

    /// <summary>The coordinator's CA certificate: the node's only trust root.</summary>
    public string CaCertificatePath => Path.Combine(Directory, "ca.crt");

    /// <summary>
    /// A renewed identity not yet installed: the new key and its certificate in one file, written atomically before
    /// either of <see cref="KeyPath"/> and <see cref="CertificatePath"/> is replaced (<see cref="IdentityInstaller"/>).
    /// </summary>
    public string RenewalPath => Path.Combine(Directory, "renewal.pem");

    /// <summary>A CA learned from the coordinator during a CA rotation, trusted beside <see cref="CaCertificatePath"/>.</summary>
    public string NextCaCertificatePath => Path.Combine(Directory, "ca-next.crt");

    /// <summary>Where a CA retired by a CA rotation is kept (its pin's first 16 hex digits name it): what it signed, such as old audit checkpoints, must still verify.</summary>
    public string RetiredCaCertificatePath(string caPin) => Path.Combine(Directory, $"ca-retired-{caPin[..16]}.crt");

    /// <summary>Every CA this node trusted before a CA rotation retired it (written only by <see cref="TrustUpdate"/>).</summary>
    public IReadOnlyList<string> RetiredCaCertificatePaths() =>
        System.IO.Directory.Exists(Directory) ? [.. System.IO.Directory.GetFiles(Directory, "ca-retired-*.crt").Order(StringComparer.Ordinal)] : [];

    public static IdentityFiles For(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new IdentityFiles(config.IdentityDirectory);
    }

    public IReadOnlyList<string> Missing() =>
        [.. new[] { KeyPath, CertificatePath, CaCertificatePath }.Where(p => !File.Exists(p))];
}
