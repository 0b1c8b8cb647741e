using System.Security.Cryptography;
using Partages.NodeAgent.Enrollment;
using Partages.SecureAggregation.Crypto;

namespace Partages.NodeAgent.SecureSum;

/// <summary>
/// The node's long-term aggregation key (ECDSA P-256): the key its secure-sum peers pin. It is kept apart from the
/// enrolled TLS identity — in <c>&lt;data_directory&gt;/aggregation/</c>, not <c>identity/</c> — because certificate
/// renewal and CA rotation replace that one, and a pin that changed with every renewal would break every cohort
/// (ERRATA 14). Created at the first start (or by <c>aggregation-key</c>), owner-only, PKCS#8 PEM, never replaced.
/// </summary>
public static class AggregationKeyFile
{
    public const string FileName = "aggregation-key.pem";

    public static string PathFor(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Path.Combine(config.DataDirectory, "aggregation", FileName);
    }

    /// <summary>The key at <paramref name="path"/>, created first when there is none.</summary>
    /// <param name="created">True when this call created it.</param>
    /// <exception cref="InvalidDataException">The file exists but holds no P-256 private key.</exception>
    public static AggregationIdentity LoadOrCreate(string path, out bool created)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        created = false;
        if (File.Exists(path))
        {
            try
            {
                using var ecdsa = ECDsa.Create();
                ecdsa.ImportFromPem(File.ReadAllText(path));
                return AggregationIdentity.FromPkcs8(ecdsa.ExportPkcs8PrivateKey());
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                throw new InvalidDataException($"'{path}' holds no ECDSA P-256 private key (PKCS#8 PEM): {ex.Message}", ex);
            }
        }

        SecureFile.CreateDirectory(Path.GetDirectoryName(path)!, SecureFile.OwnerOnlyDirectory);
        var identity = AggregationIdentity.Create();
        var pem = PemEncoding.WriteString("PRIVATE KEY", identity.ExportPkcs8());
        SecureFile.WriteAllText(path, pem + "\n", SecureFile.OwnerReadWrite);
        created = true;
        return identity;
    }
}
