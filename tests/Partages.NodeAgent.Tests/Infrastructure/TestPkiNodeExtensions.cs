namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>What the shared <see cref="TestPki"/> means to a node: its CA pin and an enrolled identity, by the agent's own code.</summary>
public static class TestPkiNodeExtensions
{
    extension(TestPki pki)
    {
        /// <summary>The pin an operator gives <c>enroll</c>, computed as the agent computes it.</summary>
        public string Pin => CaPin.Of(pki.Ca);

        /// <summary>Writes a complete, valid identity for <paramref name="nodeName"/> as <c>enroll</c> would.</summary>
        public void WriteIdentity(string identityDirectory, string nodeName, TimeSpan? lifetime = null)
        {
            Directory.CreateDirectory(identityDirectory);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = pki.SignCsr(SigningRequest.CreatePem(key, nodeName), lifetime);
            var files = new IdentityFiles(identityDirectory);
            File.WriteAllText(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem());
            File.WriteAllText(files.CaCertificatePath, pki.CaPem);
        }
    }
}
