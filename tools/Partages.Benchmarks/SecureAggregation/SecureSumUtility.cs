using System.Globalization;
using System.Text.Json;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;
using Partages.SecureAggregation.Noise;

namespace Partages.Benchmarks.SecureAggregation;

/// <summary>What <c>secure-sum-utility</c> measures: one scenario (sites × reports), its error under each mechanism.</summary>
/// <param name="Mechanism">per_site_dp: each site's counts noised for its own release, the pool adds them; secure_sum_dp: each site adds its Skellam share, the sum is pooled.</param>
/// <param name="Rmse">Root mean squared error of the pooled accuracy against the exact pooled accuracy, over the estimable draws.</param>
/// <param name="MedianAbsoluteError">Median of |pooled accuracy − exact| over the estimable draws.</param>
/// <param name="NotEstimable">Draws whose pooled accuracy was not estimable (its noisy denominator not clearly above the noise).</param>
/// <param name="Coverage">Share of the estimable draws whose 95 % interval contains the exact pooled accuracy.</param>
/// <param name="OutcomeVariance">Noise variance stated on each pooled confusion-matrix cell.</param>
public sealed record UtilityRow(
    int Sites, int ReportsPerSite, string Mechanism, int Draws, double ExactAccuracy, double Rmse, double MedianAbsoluteError, int NotEstimable, double Coverage, double OutcomeVariance);

/// <summary>
/// Pooled accuracy error under per-site DP and under secure-sum DP at the same ε (docs/benchmarks.md, "Secure
/// aggregation: utility"), with the project's own mechanisms: the node's <see cref="DisclosureControl"/> (discrete
/// Gaussian per site; Skellam shares for a secure sum), the task's pooling, and <see cref="SecureSumLayout"/> for the
/// sum. Synthetic confusion matrices (three labels, about 85 % accuracy) drawn from the seed; noise from seeded
/// streams, so the same command prints the same figures. Masking is left out: it cancels exactly (tested elsewhere)
/// and changes no count.
/// </summary>
public static class SecureSumUtility
{
    private static readonly string[] Labels = ["sensible", "BLSE", "carbapenemase"];

    public static IReadOnlyList<UtilityRow> Run(int sites, IReadOnlyList<int> reportsPerSite, int draws, double epsilon, ulong seed, int minimumCohortSize)
    {
        var privacy = new DifferentialPrivacyPolicy { EpsilonPerRelease = epsilon, EpsilonBudget = epsilon * (draws + 1) };
        var rules = new DisclosureRules(MinDatasetDocuments: 1, privacy);
        var threshold = (minimumCohortSize / 2) + 1;
        var rows = new List<UtilityRow>();
        foreach (var reports in reportsPerSite)
        {
            var random = new Random(unchecked((int)seed) ^ reports);
            var exact = Enumerable.Range(0, sites).Select(_ => SiteResult(random, reports)).ToList();
            var truth = PooledResultDocument.Pool(exact[0].Task, Labels, exact.Select((r, i) => new KeyValuePair<string, ResultDocument>($"site-{i}", r)).ToDictionary(), []).Pooled!.Accuracy!.Value;
            var gaussian = new SeededGaussian(seed ^ (ulong)reports);
            var shares = new SkellamShareNoise(ExactRandom.Seeded(seed ^ (ulong)reports ^ 0x5EC5));
            var perSite = new List<ResultDocument>();
            var secure = new List<ResultDocument>();
            for (var d = 0; d < draws; d++)
            {
                var released = exact.Select((r, i) => new KeyValuePair<string, ResultDocument>($"site-{i}", DisclosureControl.Apply(r, rules, gaussian))).ToDictionary();
                perSite.Add(PooledResultDocument.Pool(exact[0].Task, Labels, released, []).Pooled!);
                var vectors = exact.Select(r => SecureSumLayout.Flatten(DisclosureControl.ApplyPooled(r, rules, threshold, shares), Labels, Partages.NodeAgent.Engine.Datasets.SkipKinds.All)).ToList();
                var sum = new long[vectors[0].Counts.Length];
                foreach (var vector in vectors)
                {
                    for (var i = 0; i < sum.Length; i++)
                    {
                        sum[i] += vector.Counts[i];
                    }
                }

                secure.Add(SecureSumLayout.Pool(vectors[0].LayoutJson, sum, sites, Labels)!);
            }

            rows.Add(Row(sites, reports, "per_site_dp", truth, perSite));
            rows.Add(Row(sites, reports, "secure_sum_dp", truth, secure));
        }

        return rows;
    }

    public static async Task WriteAsync(IReadOnlyList<UtilityRow> rows, TextWriter output, string jsonPath, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync("| sites × reports | mechanism | exact pooled accuracy | RMSE | median abs. error | not estimable | 95 % interval coverage | noise variance per pooled cell |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        foreach (var r in rows)
        {
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"| {r.Sites} × {r.ReportsPerSite} | {r.Mechanism} | {r.ExactAccuracy:0.0000} | {r.Rmse:0.0000} | {r.MedianAbsoluteError:0.0000} | {r.NotEstimable}/{r.Draws} | {r.Coverage:0.00} | {r.OutcomeVariance:0.0} |")).ConfigureAwait(false);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Written: {jsonPath}").ConfigureAwait(false);
    }

    private static UtilityRow Row(int sites, int reports, string mechanism, double truth, List<ResultDocument> pooled)
    {
        var estimable = pooled.Where(p => p.Accuracy is not null).ToList();
        var errors = estimable.Select(p => Math.Abs(p.Accuracy!.Value - truth)).Order().ToList();
        var covered = estimable.Count(p => p.Intervals?.Accuracy is { } ci && ci.CiLow <= truth && truth <= ci.CiHigh);
        return new UtilityRow(
            sites,
            reports,
            mechanism,
            pooled.Count,
            truth,
            errors.Count == 0 ? double.NaN : Math.Sqrt(errors.Average(e => e * e)),
            errors.Count == 0 ? double.NaN : errors[errors.Count / 2],
            pooled.Count - estimable.Count,
            estimable.Count == 0 ? double.NaN : (double)covered / estimable.Count,
            pooled[0].Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts);
    }

    /// <summary>A site of about 85 % accuracy: each report's gold label uniform, predicted right with probability 0.85.</summary>
    private static ResultDocument SiteResult(Random random, int reports)
    {
        var matrix = Labels.Select(_ => new long[Labels.Length]).ToArray();
        for (var r = 0; r < reports; r++)
        {
            var gold = random.Next(Labels.Length);
            var predicted = random.NextDouble() < 0.85 ? gold : (gold + 1 + random.Next(Labels.Length - 1)) % Labels.Length;
            matrix[gold][predicted]++;
        }

        return ResultDocument.FromCounts("single_label_classification", ClassificationCounts.FromMatrix(Labels, matrix), new InputSummary { DocumentsRead = reports, DocumentsEvaluated = reports });
    }

    /// <summary>The release gate's discrete Gaussian (<see cref="DiscreteGaussian"/>) from a seeded stream, for reproducible figures.</summary>
    private sealed class SeededGaussian(ulong seed) : ICountNoise
    {
        private readonly SeededRandomBits _bits = new(seed);

        public long Sample(Rational sigmaSquared) => DiscreteGaussian.Sample(sigmaSquared, _bits);
    }
}
