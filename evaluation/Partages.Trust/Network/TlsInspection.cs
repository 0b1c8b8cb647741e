using System.Security.Cryptography.X509Certificates;

namespace Partages.Trust.Network;

/// <summary>
/// What to tell a person when the certificate presented for the coordinator was not issued by the pinned CA: in a
/// hospital that is nearly always a proxy inspecting TLS (re-signing every HTTPS connection with the hospital's own
/// CA), which also breaks mutual TLS. The connection is refused all the same; this only explains it.
/// </summary>
public static class TlsInspection
{
    public static string Explain(X509Certificate2 presented, X509Certificate2 pinnedCa, string coordinator)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(pinnedCa);
        return $"the certificate presented for the coordinator {coordinator} was issued by '{presented.Issuer}', not by the coordinator's CA " +
            $"'{pinnedCa.Subject}' (SHA-256 {CaPin.Of(pinnedCa)}). Something between this machine and the coordinator re-signs the connection: " +
            $"most likely a proxy or firewall inspecting TLS. Ask the network team for a TLS inspection exception (pass-through without re-signing) " +
            $"for {coordinator}; the certificate is not trusted and nothing was sent";
    }

    /// <summary>The coordinator's address as the network team's rules name it: host and port.</summary>
    public static string Endpoint(Uri coordinator)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        return $"{coordinator.Host}:{coordinator.Port}";
    }
}
