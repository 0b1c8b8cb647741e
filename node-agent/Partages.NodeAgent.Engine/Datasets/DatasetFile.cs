namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>Opens a node-local dataset for streaming, turning the ways it can be unusable into refusals.</summary>
internal static class DatasetFile
{
    /// <summary>
    /// Everything about the dataset that can be refused before the bundle is unpacked: its format is known and fits
    /// the task, its file opens, and a CSV file starts with a usable header.
    /// </summary>
    public static void CheckReadable(DatasetDefinition dataset, string task, GoldKind gold)
    {
        CheckFormat(dataset);
        if (Is(dataset, DatasetFormats.Brat))
        {
            throw new EvaluationRefusedException(
                $"dataset '{dataset.Name}' is a brat folder of entity annotations, which task '{task}' does not use (document classification reads jsonl or csv)");
        }

        if (Is(dataset, DatasetFormats.Csv) && gold == GoldKind.MultiLabel)
        {
            throw new EvaluationRefusedException(
                $"dataset '{dataset.Name}' is CSV, whose label column holds one label; task '{task}' needs a jsonl dataset with \"labels\" arrays");
        }

        using var stream = OpenRead(dataset);
        if (Is(dataset, DatasetFormats.Csv))
        {
            CheckCsvHeader(dataset, stream);
        }
    }

    public static FileStream OpenRead(DatasetDefinition dataset)
    {
        CheckFormat(dataset);
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

    /// <summary>The reader of a file dataset (jsonl or csv) for the gold annotation the task needs.</summary>
    public static IDocumentReader CreateReader(DatasetDefinition dataset, Stream stream, IReadOnlyList<string> labels, GoldKind gold, int maxLineBytes) =>
        Is(dataset, DatasetFormats.Csv)
            ? new CsvDocumentReader(stream, labels, maxLineBytes)
            : new JsonlDocumentReader(stream, labels, maxLineBytes, gold);

    /// <summary>A brat dataset's folder, refused when it is missing.</summary>
    public static DirectoryInfo BratFolder(DatasetDefinition dataset)
    {
        var folder = new DirectoryInfo(dataset.Path);
        if (!folder.Exists)
        {
            throw new EvaluationRefusedException($"dataset '{dataset.Name}' folder not found: {dataset.Path}");
        }

        return folder;
    }

    public static bool Is(DatasetDefinition dataset, string format) => string.Equals(dataset.Format, format, StringComparison.OrdinalIgnoreCase);

    private static void CheckFormat(DatasetDefinition dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!DatasetFormats.All.Contains(dataset.Format, StringComparer.OrdinalIgnoreCase))
        {
            throw new EvaluationRefusedException(
                $"dataset '{dataset.Name}' has format '{dataset.Format}', which the engine does not read (supported: {string.Join(", ", DatasetFormats.All)})");
        }
    }

    private static void CheckCsvHeader(DatasetDefinition dataset, Stream stream)
    {
        try
        {
            new CsvDocumentReader(stream, [], maxRecordBytes: 1024 * 1024).SkipHeader();
        }
        catch (EvaluationRefusedException ex)
        {
            throw new EvaluationRefusedException($"dataset '{dataset.Name}': {ex.Message}", ex);
        }
    }
}
