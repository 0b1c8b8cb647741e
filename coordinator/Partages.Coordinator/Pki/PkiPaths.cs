namespace Partages.Coordinator.Pki;

/// <summary>Where the coordinator keeps its keys: <c>&lt;data-dir&gt;/pki/</c>.</summary>
public sealed record PkiPaths(string Directory)
{
    public static PkiPaths Under(string dataDir) => new(Path.Combine(dataDir, "pki"));

    /// <summary>The CA certificate with its private key (PKCS#12, no password; the file is readable by its owner only).</summary>
    public string CaPfx => Path.Combine(Directory, "ca.pfx");

    /// <summary>The CA certificate alone (PEM), to hand to nodes and operators.</summary>
    public string CaCrt => Path.Combine(Directory, "ca.crt");

    /// <summary>The TLS server certificate with its key, signed by the CA.</summary>
    public string ServerPfx => Path.Combine(Directory, "server.pfx");
}
