using Partages.Evaluation.Metrics;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.GenerativeExtraction;

/// <summary>
/// A generative extraction result under differential privacy (replace-one, discrete Gaussian, one σ² for every count).
/// Replacing one report moves, at most: two cells of each of the F field matrices (one per field, it is in exactly
/// one cell of each), two cells of the outcome-or-skip partition (each report is valid, invalid of one kind, or
/// skipped of one kind), and the truncated count by one: Δ₂² = 2F + 3. No generated text and nothing per report is
/// in the result; the top-level table and the invalid-output rate are computed from the noisy counts (post-processing).
/// </summary>
internal static class GenerativeRelease
{
    public static ResultDocument ApplyPrivate(ResultDocument result, PrivateRelease policy)
    {
        var section = result.Generative ?? throw new ReleaseRefusedException("a generative extraction result has no generative section");
        (GenerativeSection Section, IReadOnlyList<OutputField> Fields) read;
        try
        {
            read = GenerativeResults.Read(result, [.. section.Fields.Select(f => f.Name)], noisy: false);
        }
        catch (InvalidDataException ex)
        {
            throw new ReleaseRefusedException("the generative result is malformed: " + ex.Message, ex);
        }

        var fields = read.Fields;
        var variance = Rational.RoundUp(Zcdp.SigmaSquaredFor(policy.RhoPerRelease, sensitivitySquared: (2.0 * fields.Count) + 3));
        var noisyMatrices = section.Fields
            .Select(f => f.Result.ConfusionMatrix.Matrix.Select(row => row.Select(cell => cell + policy.Sample(variance)).ToArray()).ToArray())
            .ToList();
        var outputs = GenerativeResults.AllOutcomes(section.Outputs);
        foreach (var kind in outputs.Keys.ToList())
        {
            outputs[kind] += policy.Sample(variance);
        }

        var truncated = section.Truncated + policy.Sample(variance);
        var summary = new InputSummary
        {
            DocumentsRead = result.InputSummary.DocumentsRead,
            DocumentsEvaluated = outputs.Values.Sum(),
            Skipped = policy.NoisySkipped(result.InputSummary.Skipped, variance),
        };
        var privacy = policy.Describe(new NoiseVariances(variance.ToDouble(), ScoreHistograms: null, Calibration: null));
        return BuildPrivate(result.Task, fields, noisyMatrices, outputs, truncated, section.Decoding, summary, privacy);
    }

    /// <summary>
    /// A document from noisy counts (a site's release or a pool): each field a single-label private result; the
    /// top-level table sums up to F noisy cells, so its figures are estimated with F·σ² per cell (conservative) while
    /// its release section states the σ² every released count got.
    /// </summary>
    public static ResultDocument BuildPrivate(
        string task,
        IReadOnlyList<OutputField> fields,
        IReadOnlyList<long[][]> matrices,
        IReadOnlyDictionary<string, long> outputs,
        long truncated,
        DecodingRecord decoding,
        InputSummary summary,
        DifferentialPrivacyRelease privacy)
    {
        var release = new ReleaseSection { DifferentialPrivacy = privacy };
        var perField = fields.Select((f, i) => new FieldResult(f.Name, PrivateResults.Build(task, OutputContract.MatrixLabels(f), matrices[i], null, summary, release))).ToList();
        var union = GenerativeResults.UnionLabels(fields);
        var sum = union.Select(_ => new long[union.Count]).ToArray();
        for (var f = 0; f < fields.Count; f++)
        {
            var labels = OutputContract.MatrixLabels(fields[f]);
            for (var g = 0; g < labels.Count; g++)
            {
                for (var p = 0; p < labels.Count; p++)
                {
                    sum[IndexOf(union, labels[g])][IndexOf(union, labels[p])] += matrices[f][g][p];
                }
            }
        }

        var cell = privacy.NoiseVariance.OutcomeCounts;
        var summed = privacy with { NoiseVariance = privacy.NoiseVariance with { OutcomeCounts = cell * fields.Count } };
        var top = PrivateResults.Build(task, union, sum, null, summary, new ReleaseSection { DifferentialPrivacy = summed }) with { Release = release };
        var all = GenerativeResults.AllOutcomes(outputs);
        var invalid = all.Where(o => o.Key != GenerativeSection.Valid).Sum(o => o.Value);
        // The invalid total sums the kinds' noisy cells: each side of the proportion is given that larger variance.
        var rate = NoisyProportion.Estimate(invalid, all[GenerativeSection.Valid], cell * InvalidKinds.All.Count);
        return top with
        {
            NDocuments = all.Values.Sum(),
            Generative = new GenerativeSection
            {
                Fields = perField,
                Outputs = all,
                Truncated = truncated,
                InvalidRate = rate.Estimate,
                InvalidRateInterval = Interval.From(rate),
                Decoding = decoding,
            },
        };
    }

    /// <summary>Pools sites of which at least one released under differential privacy: noisy counts add with their variances; exact sites join with variance 0.</summary>
    public static ResultDocument PoolPrivate(string task, IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> sites)
    {
        var read = sites.Select(s => (Site: s, Read: GenerativeResults.Read(s, labels, noisy: s.Release?.DifferentialPrivacy is not null))).ToList();
        var fields = read[0].Read.Fields;
        var matrices = fields.Select(f => OutputContract.MatrixLabels(f).Select(_ => new long[f.Values.Count + 1]).ToArray()).ToList();
        var outputs = new Dictionary<string, long>(StringComparer.Ordinal);
        long truncated = 0;
        foreach (var (site, (section, siteFields)) in read)
        {
            for (var f = 0; f < fields.Count; f++)
            {
                var matrixLabels = OutputContract.MatrixLabels(fields[f]);
                var cells = ReleasedCounts.SignedMatrix(section.Fields[f].Result, matrixLabels);
                for (var g = 0; g < matrixLabels.Count; g++)
                {
                    for (var p = 0; p < matrixLabels.Count; p++)
                    {
                        matrices[f][g][p] += cells[g][p];
                    }
                }
            }

            foreach (var (kind, count) in section.Outputs)
            {
                outputs[kind] = outputs.GetValueOrDefault(kind) + count;
            }

            truncated += section.Truncated;
        }

        var privacy = DifferentialPrivacyRelease.Pool(sites.Select(s => s.Release?.DifferentialPrivacy))!;
        return BuildPrivate(task, fields, matrices, outputs, truncated, read[0].Read.Section.Decoding, InputSummary.Sum(sites.Select(s => s.InputSummary)), privacy);
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        throw new ArgumentException($"'{label}' is not among the labels", nameof(label));
    }
}
