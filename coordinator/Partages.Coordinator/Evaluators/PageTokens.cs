using System.Globalization;
using System.Text;
using Partages.Coordinator.ReadModel;

namespace Partages.Coordinator.Evaluators;

/// <summary>
/// Page sizes and page tokens of the list RPCs (AIP-158, docs/api.md "Paging"). A token is the base64url of a kind
/// tag and the sort key of the last item served, so the next page starts right after it however many items were
/// added or removed meanwhile (keyset paging; nothing is kept on the server). Tokens are opaque to clients; their
/// content is nothing a caller could not already see, so they are not signed: a forged one only moves the start.
/// </summary>
public static class PageTokens
{
    public const int DefaultEvaluationPageSize = CoordinatorReadModel.DefaultListLimit;
    public const int MaxEvaluationPageSize = CoordinatorReadModel.MaxListLimit;

    /// <summary>
    /// Large enough that a client that predates paging (it sends no page_size) still receives every node of a
    /// federation of hospitals in one answer, as it did before.
    /// </summary>
    public const int DefaultNodePageSize = 1000;
    public const int MaxNodePageSize = 1000;

    // A tag per list, so a token from one list is refused by the other instead of silently misread; "1" is the format.
    private const string EvaluationTag = "ev1";
    private const string NodeTag = "nd1";

    /// <summary>
    /// The page size to serve: <paramref name="pageSize"/>, else the deprecated <paramref name="legacyLimit"/>, else the
    /// default; above <paramref name="max"/> is served as <paramref name="max"/> (AIP-158 coerces rather than refuses).
    /// </summary>
    public static int PageSize(int pageSize, int legacyLimit, int defaultSize, int max)
    {
        var violations = new List<(string, string)>();
        if (pageSize < 0)
        {
            violations.Add(("page_size", $"must not be negative (0 means the default, {defaultSize}; at most {max} are served)"));
        }

        if (legacyLimit < 0)
        {
            violations.Add(("limit", $"must not be negative (0 means the default, {defaultSize}; at most {max} are served)"));
        }

        if (violations.Count > 0)
        {
            throw InvalidArgument.Of(string.Join(" ", violations.Select(v => $"{v.Item1} {v.Item2}.")), violations);
        }

        var size = pageSize > 0 ? pageSize : legacyLimit > 0 ? legacyLimit : defaultSize;
        return Math.Min(size, max);
    }

    public static string ForEvaluation(EvaluationKey last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return Encode(EvaluationTag, last.CreatedAt.Ticks.ToString(CultureInfo.InvariantCulture), last.CreatedAt.Offset.Ticks.ToString(CultureInfo.InvariantCulture), last.Id);
    }

    /// <summary>The key after which the page starts; null for the first page. INVALID_ARGUMENT for a token not issued by ListEvaluations.</summary>
    public static EvaluationKey? ParseEvaluation(string token) =>
        TryParseEvaluation(token, out var after) ? after : throw Invalid("ListEvaluations");

    /// <summary>As <see cref="ParseEvaluation"/>, for the JSON API (which answers 400 itself): false for a token it did not issue.</summary>
    public static bool TryParseEvaluation(string? token, out EvaluationKey? after)
    {
        after = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (Decode(token, EvaluationTag, 3) is [var ticksText, var offsetText, var id]
            && long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && long.TryParse(offsetText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset)
            && id.Length > 0)
        {
            try
            {
                after = new EvaluationKey(new DateTimeOffset(ticks, TimeSpan.FromTicks(offset)), id);
                return true;
            }
            catch (ArgumentException)
            {
                // Ticks or offset out of range: not a token this server wrote.
            }
        }

        return false;
    }

    public static string ForNode(string lastName) => Encode(NodeTag, lastName);

    /// <summary>The node name after which the page starts; null for the first page. INVALID_ARGUMENT for a token not issued by ListNodes.</summary>
    public static string? ParseNode(string token)
    {
        if (token.Length == 0)
        {
            return null;
        }

        return Decode(token, NodeTag, 1) is [{ Length: > 0 } name] ? name : throw Invalid("ListNodes");
    }

    private static string Encode(string tag, params string[] parts) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(tag + "\n" + string.Join("\n", parts)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string[]? Decode(string token, string tag, int parts)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var length))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var fields = text.Split('\n');
        return fields.Length == parts + 1 && fields[0] == tag ? fields[1..] : null;
    }

    private static Grpc.Core.RpcException Invalid(string rpc) =>
        InvalidArgument.Field("page_token", $"is not a page token issued by {rpc}; pass a next_page_token unchanged, or empty for the first page");
}
