namespace Partages.Coordinator.Sessions;

/// <summary>An enrolled, non-revoked node, recognised by the SHA-256 of the client certificate it connected with.</summary>
public sealed record NodeIdentity(string Id, string Name, string CertificateSha256);
