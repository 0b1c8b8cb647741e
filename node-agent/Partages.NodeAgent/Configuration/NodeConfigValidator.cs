using System.Text.RegularExpressions;
using Partages.Evaluation;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Configuration;

/// <summary>One problem a validator found: the field as node.yaml spells it (within its part) and what is wrong.</summary>
public readonly record struct FieldError(string Field, string Message);

/// <summary>
/// The rules of node.yaml, one validator per part (as YARP's <c>ConfigValidator</c>), kept apart from the reading
/// (<see cref="NodeConfigLoader"/>: YAML shape, types and ranges). Each returns every problem it finds; the loader
/// places each at its line.
/// </summary>
public static partial class NodeConfigValidator
{
    /// <summary>The node's name.</summary>
    public static IEnumerable<FieldError> Name(string name)
    {
        if (!NodeNames.IsValid(name))
        {
            yield return new("name", "must be " + NodeNames.Rule);
        }
    }

    /// <summary>coordinator.url: the coordinator's https base address, or why it is not one.</summary>
    public static FieldError? CoordinatorUrl(string text, out Uri? url)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out url) || url.Scheme != Uri.UriSchemeHttps)
        {
            url = null;
            return new("url", $"'{text}' is not an https:// address (e.g. https://coordinator.example.org:7443)");
        }

        if (url.AbsolutePath != "/" || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            url = null;
            return new("url", "must be the coordinator's base address: scheme, host and port only, no path");
        }

        return null;
    }

    /// <summary>reconnect: the first delay no longer than the longest.</summary>
    public static IEnumerable<FieldError> Reconnect(ReconnectConfig reconnect)
    {
        ArgumentNullException.ThrowIfNull(reconnect);
        if (reconnect.InitialDelayMilliseconds > reconnect.MaxDelaySeconds * 1000L)
        {
            yield return new("initial_delay_ms", $"{reconnect.InitialDelayMilliseconds} ms is longer than max_delay_seconds ({reconnect.MaxDelaySeconds} s)");
        }
    }

    /// <summary>One entry of datasets: a name as specs ask for it, declared once (<paramref name="seen"/>), a known format.</summary>
    public static IEnumerable<FieldError> Dataset(string? name, string? format, ISet<string> seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        if (name is not null && !DatasetNamePattern().IsMatch(name))
        {
            yield return new("name", "must be a dataset name as specs ask for it: lowercase letters, digits, '-' or '_'");
        }
        else if (name is not null && !seen.Add(name))
        {
            yield return new("name", $"'{name}' is declared more than once");
        }

        if (format is not null && !DatasetFormats.All.Contains(format))
        {
            yield return new("format", $"'{format}' is not a supported format (supported: {string.Join(", ", DatasetFormats.All)})");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex DatasetNamePattern();
}
