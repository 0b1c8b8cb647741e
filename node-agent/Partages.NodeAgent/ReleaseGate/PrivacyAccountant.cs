using System.Text.Json;
using System.Text.Json.Serialization;
using Partages.Evaluation.Privacy;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>What one dataset has spent: zCDP ρ over every release, and how many model runs were admitted on it.</summary>
/// <param name="Rho">Total ρ of every release so far (zCDP composes by addition).</param>
/// <param name="Releases">Releases charged.</param>
/// <param name="ModelRuns">Model runs admitted (the query allowance counts these, released or not).</param>
public sealed record DatasetSpending(double Rho, int Releases, int ModelRuns)
{
    /// <summary>ε of everything released so far, at <paramref name="delta"/>.</summary>
    public double EpsilonAt(double delta) => Rho <= 0 ? 0 : Zcdp.EpsilonOf(Rho, delta);
}

/// <summary>
/// The privacy ledger, persisted on the node in <c>&lt;data_directory&gt;/release/privacy-budget.json</c> and
/// rewritten atomically (a temporary file flushed to disk, then renamed over the old one, so a crash leaves the old or
/// the new ledger, never half of one). Per dataset name — not snapshot, so a re-export of the same patients does not
/// get a fresh budget — it keeps the zCDP ρ of every release (ρ adds up under composition; ε is derived from the
/// total at the policy's δ, which is tighter than adding ε) and every model run admitted (the query allowance).
/// A release is charged before its payload is handed out and a run before its model is downloaded: a crash in
/// between loses budget, never protection. A ledger that cannot be read stops every release and admission rather than
/// reading as "nothing spent". Ledgers of format 1 (pure ε-DP, ε summed) are read as ρ = Σ ε²/2, since ε-DP implies
/// (ε²/2)-zCDP (Bun and Steinke 2016, Proposition 1.4).
/// </summary>
public sealed class PrivacyAccountant
{
    public const string FileName = "privacy-budget.json";

    /// <summary>Floating-point slack when comparing a ρ or ε sum to a budget (far below any meaningful amount).</summary>
    private const double Tolerance = 1e-12;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
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

    /// <summary>What the dataset has spent (nothing for a dataset never charged).</summary>
    /// <exception cref="EvaluationRefusedException">The ledger cannot be read.</exception>
    public DatasetSpending Spent(string dataset)
    {
        lock (_gate)
        {
            return Read().Datasets.TryGetValue(dataset, out var entry)
                ? new DatasetSpending(entry.RhoSpent, entry.Releases.Count, entry.ModelRuns)
                : new DatasetSpending(0, 0, 0);
        }
    }

    /// <summary>
    /// Charges one release of <paramref name="rho"/> to the dataset and persists the ledger, or refuses when the
    /// total would exceed the budget (ε at δ of the composed ρ above <paramref name="epsilonBudget"/>).
    /// </summary>
    /// <exception cref="EvaluationRefusedException">The budget cannot cover this release; the message gives the figures.</exception>
    public void ChargeRelease(string dataset, string runId, double rho, double epsilonBudget, double delta)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rho);
        lock (_gate)
        {
            var ledger = Read();
            var entry = ledger.Datasets.TryGetValue(dataset, out var found) ? found : new DatasetLedger();
            if (RefusalOf(dataset, entry.RhoSpent, rho, epsilonBudget, delta) is { } refusal)
            {
                throw new EvaluationRefusedException(refusal);
            }

            var total = entry.RhoSpent + rho;
            entry = entry with
            {
                RhoSpent = total,
                Releases = [.. entry.Releases, new LedgerRelease(runId, rho, Zcdp.EpsilonOf(rho, delta), Zcdp.EpsilonOf(total, delta), delta, _timeProvider.GetUtcNow())],
            };
            Write(ledger with { Datasets = With(ledger.Datasets, dataset, entry) });
        }
    }

    /// <summary>The refusal a release of <paramref name="rho"/> would meet (null when the budget covers it).</summary>
    public static string? RefusalOf(string dataset, double rhoSpent, double rho, double epsilonBudget, double delta)
    {
        var after = Zcdp.EpsilonOf(rhoSpent + rho, delta);
        if (after <= epsilonBudget + Tolerance)
        {
            return null;
        }

        var before = rhoSpent <= 0 ? 0 : Zcdp.EpsilonOf(rhoSpent, delta);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"the privacy budget of dataset '{dataset}' cannot cover this release: ε {before:0.###} of {epsilonBudget:0.###} spent (δ {delta:0.#######}), and with this release it would be ε {after:0.###}");
    }

    /// <summary>Counts one model run on the dataset (at admission, before any download), or refuses when the allowance is used up.</summary>
    /// <exception cref="EvaluationRefusedException">The allowance is used up; the message gives the figures.</exception>
    public void ChargeModelRun(string dataset, string runId, int maxModelRuns)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataset);
        lock (_gate)
        {
            var ledger = Read();
            var entry = ledger.Datasets.TryGetValue(dataset, out var found) ? found : new DatasetLedger();
            if (entry.ModelRuns >= maxModelRuns)
            {
                throw new EvaluationRefusedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"the query allowance of dataset '{dataset}' is used up: {entry.ModelRuns} of {maxModelRuns} model runs (policy max_model_runs)"));
            }

            entry = entry with { ModelRuns = entry.ModelRuns + 1, LastRunId = runId };
            Write(ledger with { Datasets = With(ledger.Datasets, dataset, entry) });
        }
    }

    /// <summary>
    /// Records the budget the policy now grants each dataset and returns the datasets whose budget changed since the
    /// last start (name, previous ε, new ε), so the agent can audit a raised budget as the explicit act it is.
    /// </summary>
    public IReadOnlyList<(string Dataset, double? Previous, double Current)> RecordBudgets(IEnumerable<(string Dataset, double EpsilonBudget)> budgets)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        lock (_gate)
        {
            var ledger = Read();
            var datasets = new SortedDictionary<string, DatasetLedger>(ledger.Datasets, StringComparer.Ordinal);
            var changes = new List<(string, double?, double)>();
            foreach (var (name, budget) in budgets)
            {
                var entry = datasets.TryGetValue(name, out var found) ? found : new DatasetLedger();
                if (entry.EpsilonBudget is { } previous && Math.Abs(previous - budget) < Tolerance)
                {
                    continue;
                }

                changes.Add((name, entry.EpsilonBudget, budget));
                datasets[name] = entry with { EpsilonBudget = budget };
            }

            if (changes.Count > 0)
            {
                Write(ledger with { Datasets = datasets });
            }

            return changes;
        }
    }

    private static SortedDictionary<string, DatasetLedger> With(IDictionary<string, DatasetLedger> datasets, string name, DatasetLedger entry) =>
        new(datasets, StringComparer.Ordinal) { [name] = entry };

    private Ledger Read()
    {
        if (!File.Exists(FilePath))
        {
            return new Ledger { Datasets = new SortedDictionary<string, DatasetLedger>(StringComparer.Ordinal) };
        }

        try
        {
            var ledger = JsonSerializer.Deserialize<Ledger>(File.ReadAllBytes(FilePath), s_json);
            if (ledger?.Datasets is null)
            {
                throw new InvalidDataException("no datasets");
            }

            return ledger.Format >= Ledger.CurrentFormat ? ledger : Upgrade(ledger);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            // A ledger that cannot be read must not read as "nothing spent": stop releasing until someone looks.
            throw new EvaluationRefusedException($"the node's privacy-budget ledger ({FileName}) cannot be read; no release and no admission until it is repaired", ex);
        }
    }

    /// <summary>Format 1 summed ε of the discrete Laplace mechanism (pure ε-DP): ε-DP implies (ε²/2)-zCDP.</summary>
    private static Ledger Upgrade(Ledger old) => new()
    {
        Datasets = new SortedDictionary<string, DatasetLedger>(
            old.Datasets.ToDictionary(
                p => p.Key,
                p => p.Value with
                {
                    RhoSpent = p.Value.RhoSpent + p.Value.Releases.Where(r => r.Rho is null).Sum(r => r.Epsilon * r.Epsilon / 2),
                    Releases = [.. p.Value.Releases.Select(r => r.Rho is null ? r with { Rho = r.Epsilon * r.Epsilon / 2 } : r)],
                },
                StringComparer.Ordinal),
            StringComparer.Ordinal),
    };

    private void Write(Ledger ledger)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temporary = FilePath + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, ledger with { Format = Ledger.CurrentFormat }, s_json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    private sealed record Ledger
    {
        public const int CurrentFormat = 2;

        /// <summary>Absent (0) in format 1 ledgers.</summary>
        public int Format { get; init; }

        public required IDictionary<string, DatasetLedger> Datasets { get; init; }
    }

    private sealed record DatasetLedger
    {
        public double RhoSpent { get; init; }

        public int ModelRuns { get; init; }

        public string? LastRunId { get; init; }

        /// <summary>The ε budget the policy granted at the last start, to notice (and audit) a change.</summary>
        public double? EpsilonBudget { get; init; }

        public IReadOnlyList<LedgerRelease> Releases { get; init; } = [];
    }

    /// <param name="Epsilon">ε of this release alone (format 1: the ε charged).</param>
    /// <param name="EpsilonTotal">ε of everything released from the dataset, this release included.</param>
    private sealed record LedgerRelease(string RunId, double? Rho, double Epsilon, double? EpsilonTotal, double? Delta, DateTimeOffset At);
}
