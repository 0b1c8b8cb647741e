using System.Buffers.Text;
using System.Security.Cryptography;
using Partages.Evaluation;

namespace Partages.Coordinator.Pki;

/// <summary>
/// Bearer secrets: 32 random bytes, base64url, behind a prefix that says what they are
/// (<c>pte_</c> enrollment, <c>pta_</c> API). Only their SHA-256 is ever stored.
/// </summary>
public static class SecretTokens
{
    public const string EnrollmentPrefix = "pte_";
    public const string ApiPrefix = "pta_";

    public static string New(string prefix) => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => ContentHash.Of(token);
}
