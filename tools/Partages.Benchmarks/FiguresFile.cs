using System.Text.Json;

namespace Partages.Benchmarks;

/// <summary>Where every benchmark leaves its figures besides the console: an indented JSON file, named on the last line printed.</summary>
internal static class FiguresFile
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public static async Task WriteAsync<T>(string path, T figures, TextWriter output, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(figures, s_indented), cancellationToken).ConfigureAwait(false);
        output.WriteLine($"figures also in {path}");
    }
}
