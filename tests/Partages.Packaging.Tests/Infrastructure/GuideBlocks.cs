using System.Text;

namespace Partages.Packaging.Tests.Infrastructure;

/// <summary>What a docs-test block asks: run it with bash, or write it to a file.</summary>
internal enum GuideBlockKind
{
    Run,
    File,
}

/// <summary>A fenced block of a guide marked for the docs test, with the line its marker is on.</summary>
internal sealed record GuideBlock(int Line, GuideBlockKind Kind, string? Target, string Text)
{
    /// <summary>The block with the guide's placeholders and example values replaced by the test's real ones.</summary>
    public string Substitute(IReadOnlyDictionary<string, string> values)
    {
        var text = new StringBuilder(Text);
        foreach (var (placeholder, value) in values)
        {
            text.Replace(placeholder, value);
        }

        return text.ToString();
    }
}

/// <summary>
/// Reads the blocks of a Markdown guide that a test runs: a fenced block right after an HTML comment
/// <c>&lt;!-- docs-test: run --&gt;</c> (a bash script) or <c>&lt;!-- docs-test: file /path --&gt;</c> (the file's
/// content). The comment does not show on a rendered page, so the reader sees the commands the test runs, as written.
/// </summary>
internal static partial class GuideBlocks
{
    public static IReadOnlyList<GuideBlock> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<GuideBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            var marker = Marker().Match(lines[i].Trim());
            if (!marker.Success)
            {
                continue;
            }

            var kind = marker.Groups["kind"].Value == "run" ? GuideBlockKind.Run : GuideBlockKind.File;
            var target = marker.Groups["target"].Success ? marker.Groups["target"].Value : null;
            if (kind == GuideBlockKind.File && target is null)
            {
                throw new FormatException($"line {i + 1}: 'docs-test: file' needs the path the block is written to.");
            }

            // The marked block starts on the next line: a marker that drifted away from its block is an error, not a skip.
            var fence = i + 1 < lines.Length ? lines[i + 1] : "";
            if (!fence.StartsWith("```", StringComparison.Ordinal))
            {
                throw new FormatException($"line {i + 1}: a docs-test marker must be followed at once by a fenced block.");
            }

            var body = new List<string>();
            var end = i + 2;
            for (; end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal); end++)
            {
                body.Add(lines[end]);
            }

            if (end == lines.Length)
            {
                throw new FormatException($"line {i + 2}: the fenced block is never closed.");
            }

            blocks.Add(new GuideBlock(i + 1, kind, target, string.Join('\n', body) + "\n"));
            i = end;
        }

        return blocks;
    }

    [GeneratedRegex(@"^<!-- docs-test: (?<kind>run|file)(?: (?<target>\S+))? -->$")]
    private static partial Regex Marker();
}
