namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>Opens a node-local dataset for streaming, turning the ways it can be unusable into refusals.</summary>
internal static class DatasetFile
{
    public static FileStream OpenRead(DatasetDefinition dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!DatasetFormats.All.Contains(dataset.Format, StringComparer.OrdinalIgnoreCase))
        {
            throw new EvaluationRefusedException(
                $"dataset '{dataset.Name}' has format '{dataset.Format}', which the engine does not read (supported: {string.Join(", ", DatasetFormats.All)})");
        }

        try
        {
            // bufferSize 1 turns FileStream's own buffer off: the line reader buffers, so bytes are copied once.
            return new FileStream(dataset.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EvaluationRefusedException($"dataset '{dataset.Name}' file not found: {dataset.Path}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new EvaluationRefusedException($"dataset '{dataset.Name}' file cannot be read (access denied or not a file): {dataset.Path}", ex);
        }
        catch (IOException ex)
        {
            throw new EvaluationRefusedException($"dataset '{dataset.Name}' file cannot be opened: {dataset.Path} ({ex.GetType().Name})", ex);
        }
    }
}
