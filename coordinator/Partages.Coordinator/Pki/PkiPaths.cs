namespace Partages.Coordinator.Pki;

/// <summary>Where the coordinator keeps its keys: <c>&lt;data-dir&gt;/pki/</c>.</summary>
public sealed record PkiPaths(string Directory)
{
    public static PkiPaths Under(string dataDir) => new(Path.Combine(dataDir, "pki"));

    /// <summary>The CA certificate with its private key (PKCS#12, no password; the file is readable by its owner only).</summary>
    public string CaPfx => Path.Combine(Directory, "ca.pfx");

    /// <summary>The CA certificate alone (PEM), to hand to nodes and operators.</summary>
    public string CaCrt => Path.Combine(Directory, "ca.crt");

    /// <summary>During a CA rotation: the new CA with its key (<see cref="CaRotation"/>).</summary>
    public string NextCaPfx => Path.Combine(Directory, "ca-next.pfx");

    /// <summary>During a CA rotation: the new CA certificate alone (PEM).</summary>
    public string NextCaCrt => Path.Combine(Directory, "ca-next.crt");

    /// <summary>During a CA rotation: the new CA's subject and key certified by the current CA (PEM), so nodes can trust it.</summary>
    public string NextCaCrossCrt => Path.Combine(Directory, "ca-next.cross.crt");

    /// <summary>Present once the operator switched issuing to the new CA (<c>admin ca-rotation issue-new</c>).</summary>
    public string NextCaIssuingMarker => Path.Combine(Directory, "ca-next.issuing");

    /// <summary>Where a retired CA is kept (its key too, for the record; nothing trusts it any more).</summary>
    public string RetiredDirectory => Path.Combine(Directory, "retired");

    /// <summary>The TLS server certificate with its key, signed by the CA.</summary>
    public string ServerPfx => Path.Combine(Directory, "server.pfx");
}
