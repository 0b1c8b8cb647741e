using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Partages.Coordinator.Dashboard;

/// <summary>
/// A small HTML (and inline SVG) writer: every piece of text and every attribute value goes through the HTML
/// encoder, so names that come from nodes or specs can never become markup. Raw markup is only what this
/// project's own code writes.
/// </summary>
public sealed class Html
{
    // Keep accented letters readable in the page source (French hospital names); markup characters are still encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);
    private readonly StringBuilder _builder = new();

    public static string Encode(string? text) => Encoder.Encode(text ?? "");

    /// <summary>Writes text, encoded.</summary>
    public Html Text(string? text)
    {
        _builder.Append(Encode(text));
        return this;
    }

    /// <summary>Writes markup produced by this project's code (never data).</summary>
    public Html Raw(string markup)
    {
        _builder.Append(markup);
        return this;
    }

    /// <summary>Opens an element; attributes are (name, value) pairs, a null value omits the attribute.</summary>
    public Html Open(string element, params (string Name, string? Value)[] attributes)
    {
        _builder.Append('<').Append(element);
        foreach (var (name, value) in attributes)
        {
            if (value is not null)
            {
                _builder.Append(' ').Append(name).Append("=\"").Append(Encode(value)).Append('"');
            }
        }

        _builder.Append('>');
        return this;
    }

    public Html Close(string element)
    {
        _builder.Append("</").Append(element).Append('>');
        return this;
    }

    /// <summary>An element holding encoded text.</summary>
    public Html Element(string element, string? text, params (string Name, string? Value)[] attributes) =>
        Open(element, attributes).Text(text).Close(element);

    /// <summary>A void element such as <c>input</c> or an SVG shape.</summary>
    public Html Void(string element, params (string Name, string? Value)[] attributes)
    {
        Open(element, attributes);
        _builder.Insert(_builder.Length - 1, element is "input" or "meta" or "link" or "br" ? "" : " /");
        return this;
    }

    public override string ToString() => _builder.ToString();

    /// <summary>A number for an SVG attribute: invariant culture, two decimals.</summary>
    public static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A metric as the pages show it: three decimals, or an em dash when undefined.</summary>
    public static string Metric(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "not estimable";

    /// <summary>A metric with its 95% interval, "0.812 [0.790, 0.833]", or the metric alone when either bound is missing.</summary>
    public static string MetricWithInterval(double? value, double? low, double? high) =>
        value is not null && low is { } l && high is { } h ? $"{Metric(value)} [{Metric(l)}, {Metric(h)}]" : Metric(value);

    /// <summary>A count with thin grouping (12 345), readable from across a room.</summary>
    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture).Replace(',', '\u202F');

    /// <summary>An instant in UTC, to the second.</summary>
    public static string Instant(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string IsoInstant(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>"12 s ago", "5 min ago", "3 h ago", "2 d ago".</summary>
    public static string Ago(DateTimeOffset then, DateTimeOffset now) => Duration(now - then) + " ago";

    /// <summary>"12 s", "5 min", "3 h", "2 d" (negative as 0).</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds < 90 ? $"{(int)span.TotalSeconds} s"
            : span.TotalMinutes < 90 ? $"{(int)span.TotalMinutes} min"
            : span.TotalHours < 36 ? $"{(int)span.TotalHours} h"
            : $"{(int)span.TotalDays} d";
    }
}
