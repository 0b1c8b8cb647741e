using System.Globalization;
using Partages.Evaluation.Results;
using Partages.Evaluation.Robustness;

namespace Partages.Cli.Output;

/// <summary>
/// The robustness suite's rows of the tidy CSV (docs/data-quality.md, "Robustness suites in an evaluation"): per
/// perturbation (the <c>class</c> column, e.g. <c>typos(rate=0.03)</c>) its seed, reports changed and unchanged,
/// entities lost, the paired unit and discordant counts, McNemar's p, and each figure clean, perturbed and their change,
/// with the intervals and noise variances a release under differential privacy carries. The figures the table and
/// Markdown print (<see cref="RobustnessRows"/>), as numbers a spreadsheet can pivot.
/// </summary>
internal static class RobustnessCsv
{
    /// <param name="row">Appends one row: metric, class, predicted, value.</param>
    /// <param name="number">How the CSV writes a figure ("not estimable" for null).</param>
    public static void Rows(ResultDocument document, Action<string, string, string, string> row, Func<double?, string> number)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(number);
        foreach (var p in document.Robustness?.Perturbations ?? [])
        {
            var name = p.Perturbation;
            void Count(string metric, long? value)
            {
                if (value is { } v)
                {
                    row(metric, name, "", v.ToString(CultureInfo.InvariantCulture));
                }
            }

            void Figure(string metric, double? value, Interval? interval)
            {
                row(metric, name, "", number(value));
                if (interval is not null)
                {
                    row(metric + "_ci_low", name, "", number(interval.CiLow));
                    row(metric + "_ci_high", name, "", number(interval.CiHigh));
                }
            }

            Count("robustness_seed", p.Seed);
            Count("robustness_reports_changed", p.ReportsChanged);
            Count("robustness_reports_unchanged", p.ReportsUnchanged);
            Count("robustness_entities_lost", p.EntitiesLost);
            if (p.CountNoiseVariance is { } countVariance)
            {
                row("robustness_count_noise_variance", name, "", number(countVariance));
            }

            // The discordant counts are documents or gold entities: the unit is a row of its own.
            row("robustness_paired_unit", name, "", p.Paired.Unit);
            Count("robustness_clean_only", p.Paired.CleanOnly);
            Count("robustness_perturbed_only", p.Paired.PerturbedOnly);
            if (p.Paired.NoiseVariance is { } pairedVariance)
            {
                row("robustness_paired_noise_variance", name, "", number(pairedVariance));
            }

            Figure("robustness_mcnemar_p", p.Paired.McNemar?.PValue, p.Paired.McNemar?.PValueInterval);
            foreach (var (figure, change) in new[] { ("accuracy", p.Change?.Accuracy), ("micro_f1", p.Change?.MicroF1), ("macro_f1", p.Change?.MacroF1) })
            {
                row($"robustness_{figure}_clean", name, "", number(change?.Clean));
                row($"robustness_{figure}_perturbed", name, "", number(change?.Perturbed));
                Figure($"robustness_{figure}_delta", change?.Delta, change?.DeltaInterval);
            }
        }
    }
}
