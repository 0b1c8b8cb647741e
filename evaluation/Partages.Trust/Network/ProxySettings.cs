using System.Net;

namespace Partages.Trust.Network;

/// <summary>
/// An HTTP proxy on the way to the coordinator: every connection to it goes through an HTTP CONNECT tunnel, so TLS
/// (and the node's mutual TLS) stays end to end with the coordinator and the proxy sees only the host and port.
/// </summary>
public sealed record ProxySettings
{
    /// <summary>The environment variables read when the configuration names no proxy (curl's and .NET's names).</summary>
    public static readonly string[] ProxyVariables = ["HTTPS_PROXY", "https_proxy"];

    public static readonly string[] NoProxyVariables = ["NO_PROXY", "no_proxy"];

    /// <summary><c>http://host:port</c>, never with credentials (those are in <see cref="Credentials"/>).</summary>
    public required Uri Address { get; init; }

    public NetworkCredential? Credentials { get; init; }

    /// <summary>Hosts reached directly: a name matches itself and its subdomains (<c>example.org</c>, <c>.example.org</c>), an IP address itself, <c>*</c> everything.</summary>
    public IReadOnlyList<string> NoProxy { get; init; } = [];

    /// <summary>Where the setting came from, for messages: "coordinator.proxy in node.yaml", "HTTPS_PROXY".</summary>
    public required string Source { get; init; }

    /// <summary>The proxy as messages name it: scheme, host and port, never a password.</summary>
    public string Display => $"{Address.Scheme}://{Address.Authority}";

    /// <summary>True when <paramref name="target"/> is reached without the proxy (its host is in <see cref="NoProxy"/>).</summary>
    public bool Bypasses(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var host = target.IdnHost.Trim('[', ']');
        foreach (var raw in NoProxy)
        {
            var entry = raw.Trim().TrimStart('.').Trim('[', ']');
            if (entry == "*")
            {
                return true;
            }

            if (entry.Length > 0 && (host.Equals(entry, StringComparison.OrdinalIgnoreCase)
                || host.EndsWith("." + entry, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The proxy for <see cref="SocketsHttpHandler.Proxy"/>.</summary>
    public IWebProxy ToWebProxy() => new TunnelProxy(this);

    /// <summary>
    /// The proxy given by <c>HTTPS_PROXY</c> (credentials may be in its URL, as curl accepts) and <c>NO_PROXY</c>;
    /// null when none is set. An unusable value is an error, not silently a direct connection.
    /// </summary>
    public static ProxySettings? FromEnvironment(Func<string, string?> variable, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(variable);
        problem = null;
        var (name, value) = First(variable, ProxyVariables);
        if (name is null || value is null)
        {
            return null;
        }

        var (noProxyName, noProxy) = First(variable, NoProxyVariables);
        _ = noProxyName;
        var text = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        if (ParseAddress(text, allowCredentials: true, out var address, out var credentials) is { } error)
        {
            problem = $"{name}='{Redact(value)}' {error}";
            return null;
        }

        return new ProxySettings
        {
            Address = address!,
            Credentials = credentials,
            NoProxy = SplitList(noProxy),
            Source = name,
        };
    }

    /// <summary>The current process's environment.</summary>
    public static ProxySettings? FromEnvironment(out string? problem) => FromEnvironment(Environment.GetEnvironmentVariable, out problem);

    /// <summary>
    /// Checks a proxy address: <c>http://host:port</c>; <paramref name="allowCredentials"/> lets <c>user:password@</c>
    /// through (environment variables; node.yaml keeps them in a file). Null when usable, else what is wrong.
    /// </summary>
    public static string? ParseAddress(string text, bool allowCredentials, out Uri? address, out NetworkCredential? credentials)
    {
        ArgumentNullException.ThrowIfNull(text);
        address = null;
        credentials = null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return "is not a proxy address (e.g. http://proxy.hospital.example:3128)";
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            return $"must start with http:// (the connection to the proxy is plain HTTP; TLS to the coordinator runs inside its tunnel), not {uri.Scheme}://";
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "must be scheme, host and port only, no path";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            if (!allowCredentials)
            {
                return "must not carry credentials; put 'user:password' in the file named by credentials_file";
            }

            var parts = uri.UserInfo.Split(':', 2);
            credentials = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
        }

        address = new Uri($"http://{uri.Authority}");
        return null;
    }

    /// <summary>Reads <c>user:password</c> (one line) from a file; null when usable, else what is wrong (never the password).</summary>
    public static string? ReadCredentials(string path, out NetworkCredential? credentials)
    {
        credentials = null;
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot read '{path}': {ex.Message}";
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || text.Contains('\n', StringComparison.Ordinal))
        {
            return $"'{path}' must hold one line 'user:password'";
        }

        credentials = new NetworkCredential(text[..colon], text[(colon + 1)..]);
        return null;
    }

    public static IReadOnlyList<string> SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static (string? Name, string? Value) First(Func<string, string?> variable, string[] names)
    {
        foreach (var name in names)
        {
            if (variable(name) is { Length: > 0 } value)
            {
                return (name, value);
            }
        }

        return (null, null);
    }

    private static string Redact(string value)
    {
        var at = value.LastIndexOf('@');
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        return at < 0 ? value : (scheme >= 0 ? value[..(scheme + 3)] : "") + "***@" + value[(at + 1)..];
    }

    /// <summary>
    /// The proxy with its own bypass rule: loopback addresses are proxied like any other (WebProxy's local bypass is
    /// off), only <see cref="NoProxy"/> goes direct.
    /// </summary>
    private sealed class TunnelProxy(ProxySettings settings) : IWebProxy
    {
        public ICredentials? Credentials
        {
            get => settings.Credentials;
            set => throw new NotSupportedException("The proxy's credentials come from the configuration.");
        }

        public Uri? GetProxy(Uri destination) => settings.Bypasses(destination) ? null : settings.Address;

        public bool IsBypassed(Uri host) => settings.Bypasses(host);
    }
}
