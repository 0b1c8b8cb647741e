using System.Globalization;
using System.Text.Json;
using Partages.NodeAgent.Engine;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// The ε each dataset has spent, persisted on the node in <c>&lt;data_directory&gt;/release/privacy-budget.json</c>
/// (rewritten atomically: a temporary file flushed to disk, then renamed over the old one, so a crash leaves the old
/// or the new ledger, never half of one). Under basic sequential composition the ε of every release of a dataset add
/// up; once the next release would pass the policy's budget, it is refused. ε is charged before the payload is
/// handed out: a crash in between loses budget, never protection. Keyed by dataset name, not snapshot: a new
/// snapshot of the same patients does not get a fresh budget.
/// </summary>
public sealed class PrivacyAccountant
{
    public const string FileName = "privacy-budget.json";

    /// <summary>Floating-point slack when comparing a sum of ε to the budget (1e-9 ε is far below any meaningful ε).</summary>
    private const double Tolerance = 1e-9;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;

    public PrivacyAccountant(string directory, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, FileName);

    /// <summary>ε already spent on the dataset (0 if it never released under differential privacy).</summary>
    public double Spent(string dataset)
    {
        lock (_gate)
        {
            return Read().Datasets.TryGetValue(dataset, out var entry) ? entry.EpsilonSpent : 0;
        }
    }

    /// <summary>Charges <paramref name="epsilon"/> to the dataset and persists the ledger, or refuses.</summary>
    /// <exception cref="EvaluationRefusedException">The budget cannot cover this release.</exception>
    public void Charge(string dataset, string runId, double epsilon, double budget)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataset);
        lock (_gate)
        {
            var ledger = Read();
            var entry = ledger.Datasets.TryGetValue(dataset, out var found) ? found : new DatasetLedger();
            if (entry.EpsilonSpent + epsilon > budget + Tolerance)
            {
                throw new EvaluationRefusedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"the privacy budget of dataset '{dataset}' is spent: ε {entry.EpsilonSpent:0.###} of {budget:0.###} used, and this release needs {epsilon:0.###} more"));
            }

            entry = entry with
            {
                EpsilonSpent = entry.EpsilonSpent + epsilon,
                Releases = [.. entry.Releases, new LedgerRelease(runId, epsilon, _timeProvider.GetUtcNow())],
            };
            var datasets = new SortedDictionary<string, DatasetLedger>(ledger.Datasets, StringComparer.Ordinal) { [dataset] = entry };
            Write(new Ledger(datasets));
        }
    }

    private Ledger Read()
    {
        if (!File.Exists(FilePath))
        {
            return new Ledger(new SortedDictionary<string, DatasetLedger>(StringComparer.Ordinal));
        }

        try
        {
            var ledger = JsonSerializer.Deserialize<Ledger>(File.ReadAllBytes(FilePath), s_json);
            if (ledger?.Datasets is null)
            {
                throw new InvalidDataException("no datasets");
            }

            return ledger;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            // A ledger that cannot be read must not read as "nothing spent": stop releasing until someone looks.
            throw new EvaluationRefusedException($"the node's privacy-budget ledger ({FileName}) cannot be read; no release under differential privacy until it is repaired", ex);
        }
    }

    private void Write(Ledger ledger)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temporary = FilePath + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, ledger, s_json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    private sealed record Ledger(IDictionary<string, DatasetLedger> Datasets);

    private sealed record DatasetLedger
    {
        public double EpsilonSpent { get; init; }

        public IReadOnlyList<LedgerRelease> Releases { get; init; } = [];
    }

    private sealed record LedgerRelease(string RunId, double Epsilon, DateTimeOffset At);
}
