using System.Collections.Concurrent;
using Partages.Contracts;

namespace Partages.NodeAgent.Session;

/// <summary>
/// What Hello says about the node's datasets: name, format, fingerprint and a <em>rounded</em> document count.
/// Each dataset is inspected once (streaming, by the engine); one that cannot be read is left out and tried
/// again at the next Hello.
/// </summary>
public sealed partial class DatasetCatalog(NodeConfig config, IEvaluationEngine engine, ILogger<DatasetCatalog> logger)
{
    private readonly ConcurrentDictionary<string, DatasetSummary> _inspected = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<DatasetSummary>> GetSummariesAsync(CancellationToken cancellationToken)
    {
        var summaries = new List<DatasetSummary>();
        foreach (var dataset in config.Datasets)
        {
            if (!_inspected.TryGetValue(dataset.Name, out var summary))
            {
                try
                {
                    var info = await engine.InspectAsync(dataset, cancellationToken).ConfigureAwait(false);
                    summary = new DatasetSummary
                    {
                        Name = dataset.Name,
                        Format = dataset.Format,
                        ApproximateDocuments = RoundCount(info.DocumentCount),
                        Fingerprint = info.Fingerprint,
                    };
                    _inspected[dataset.Name] = summary;
                    LogInspected(logger, dataset.Name, summary.ApproximateDocuments, info.Fingerprint);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogInspectionFailed(logger, dataset.Name, ex);
                    continue;
                }
            }

            summaries.Add(summary);
        }

        return summaries;
    }

    /// <summary>
    /// A count fit to leave the node: to the nearest 10 below 1,000, the nearest 100 below 100,000, the nearest
    /// 1,000 above; a non-empty dataset never shows fewer than 10 (nor its exact small size). The rule lives in the
    /// contracts (<see cref="DocumentCountRounding"/>) because the coordinator bounds results by its inverse.
    /// </summary>
    public static long RoundCount(long count) => DocumentCountRounding.Round(count);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Dataset '{Dataset}': about {Documents} documents, fingerprint {Fingerprint}")]
    private static partial void LogInspected(ILogger logger, string dataset, long documents, string fingerprint);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Dataset '{Dataset}' could not be inspected; it is left out of Hello until it can be")]
    private static partial void LogInspectionFailed(ILogger logger, string dataset, Exception exception);
}
