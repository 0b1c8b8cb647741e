using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Partages.Testing;

/// <summary>
/// What a forger with write access to a node's audit log, but without the node's key, can do to its JSON lines
/// (<c>{"seq":…,…,"prev_hash":"…","hash":"…"}</c>): read them, edit bodies, and recompute the hash chain so that it is
/// consistent again. The tests show the node's anchor and signed checkpoints still catch it.
/// </summary>
public static partial class AuditLogForgery
{
    /// <summary>The chain's first prev_hash (the agent's <c>AuditChain.Genesis</c>).</summary>
    private static readonly string Genesis = new('0', 64);

    public static long Seq(string line) => long.Parse(SeqMember().Match(line).Groups["seq"].Value, CultureInfo.InvariantCulture);

    public static string Hash(string line) => HashMember().Match(line).Groups["hash"].Value;

    /// <summary>
    /// Applies <paramref name="edit"/> (given each line's seq and body without its hash) to every line, optionally
    /// renumbering seq from 1, then recomputes every prev_hash and hash.
    /// </summary>
    public static string[] Rechain(string[] lines, Func<long, string, string> edit, bool renumber = false)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(edit);
        var previous = Genesis;
        var result = new string[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            var body = lines[i][..HashMember().Match(lines[i]).Index] + "}";
            var seq = Seq(body);
            if (renumber)
            {
                seq = i + 1;
                body = SeqMember().Replace(body, "{\"seq\":" + seq.ToString(CultureInfo.InvariantCulture) + ",", 1);
            }

            body = PrevHashMember().Replace(edit(seq, body), $"\"prev_hash\":\"{previous}\"");
            previous = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
            result[i] = body[..^1] + ",\"hash\":\"" + previous + "\"}";
        }

        return result;
    }

    [GeneratedRegex("""\,"hash":"(?<hash>[0-9a-f]{64})"\}$""")]
    private static partial Regex HashMember();

    [GeneratedRegex("""^\{"seq":(?<seq>[0-9]+),""")]
    private static partial Regex SeqMember();

    [GeneratedRegex(@"""prev_hash"":""[0-9a-f]{64}""")]
    private static partial Regex PrevHashMember();
}
