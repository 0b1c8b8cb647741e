using System.Globalization;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// The release rules for a multi-label result (docs/release-gate.md, "Multi-label classification").
/// <para>
/// Each label's tp, fp, fn and tn split the same n_documents, which is released: a count of 1 … k − 1 is released
/// as 0, and when the counts suppressed in one label add up to 1 … k − 1 (n_documents minus the others would give
/// them away) the label's smallest remaining non-zero count is suppressed too, so the hidden total is at least k.
/// Exact matches and their complement split n_documents the same way: if either is 1 … k − 1, exact_matches is
/// released as 0. Co-occurrence cells off the diagonal are k-suppressed; the diagonal is each label's released tp.
/// Every metric is then derived from the released counts.
/// </para>
/// <para>
/// Under differential privacy the release is refused: one document moves one count in every label and up to
/// labels² co-occurrence cells, and the node's noise is calibrated for a sensitivity of 1.
/// </para>
/// </summary>
internal static class MultiLabelDisclosure
{
    /// <summary>Under differential privacy: not released yet (admission refuses such offers before any run).</summary>
    /// <exception cref="EvaluationRefusedException">Always.</exception>
    public static ResultDocument ApplyPrivate(ResultDocument result, Policy.DifferentialPrivacyPolicy privacy, ICountNoise noise) =>
        throw new EvaluationRefusedException("multi-label classification results are not released under differential privacy on this node yet");

    /// <exception cref="EvaluationRefusedException">Differential privacy is on, the dataset is under k documents, or the result is malformed.</exception>
    public static ResultDocument Apply(ResultDocument result, int k, bool differentialPrivacy)
    {
        if (differentialPrivacy)
        {
            throw new EvaluationRefusedException(
                "differential privacy is on for this dataset, and multi-label results are not released under it: one document moves a count "
                + "in every label, which this node's noise (sensitivity 1) is not calibrated for");
        }

        if (DisclosureControl.Reveals(result.NDocuments, k))
        {
            throw new EvaluationRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"the dataset has fewer evaluable documents than this node's k (release.min_cell_count: {k}), which every per-label count would reveal"));
        }

        var labels = result.ConfusionMatrix.Labels;
        MultiLabelStatistics exact;
        try
        {
            exact = MultiLabelResults.Read(result, labels);
        }
        catch (InvalidDataException ex)
        {
            throw new EvaluationRefusedException("the multi-label result is malformed, so it is not released: " + ex.Message, ex);
        }

        var released = new MultiLabelStatistics(labels) { DocumentCount = exact.DocumentCount };
        var suppressed = 0L;
        for (var c = 0; c < labels.Count; c++)
        {
            var (tp, fp, fn, tn) = exact[c];
            if (tp + fp + fn + tn != exact.DocumentCount || exact.Cooccurrence[c, c] != tp)
            {
                throw new EvaluationRefusedException($"the multi-label result's counts for label '{labels[c]}' do not add up to n_documents or disagree with the co-occurrence diagonal, so it is not released");
            }

            long[] cells = [tp, fp, fn, tn];
            var hidden = 0L;
            for (var i = 0; i < cells.Length; i++)
            {
                if (DisclosureControl.Reveals(cells[i], k))
                {
                    hidden += cells[i];
                    cells[i] = 0;
                    suppressed++;
                }
            }

            if (DisclosureControl.Reveals(hidden, k))
            {
                // n_documents − the released cells = hidden: suppress the smallest remaining count as well. It is ≥ k,
                // so the hidden total becomes ≥ k; one always remains, since the cells add up to n_documents ≥ k.
                var smallest = Enumerable.Range(0, cells.Length).Where(i => cells[i] > 0).MinBy(i => cells[i]);
                cells[smallest] = 0;
                suppressed++;
            }

            released.Set(c, cells[0], cells[1], cells[2], cells[3]);
        }

        var matrix = exact.Cooccurrence.ToMatrix();
        for (var g = 0; g < labels.Count; g++)
        {
            for (var p = 0; p < labels.Count; p++)
            {
                if (g == p)
                {
                    // Counted with the label's tp above.
                    matrix[g][p] = released[g].Tp;
                }
                else if (DisclosureControl.Reveals(matrix[g][p], k))
                {
                    matrix[g][p] = 0;
                    suppressed++;
                }
            }
        }

        released.SetCooccurrence(ClassificationCounts.FromMatrix(labels, [.. matrix.Select(row => (IReadOnlyList<long>)row)]));

        var exactMatches = exact.ExactMatches;
        if (DisclosureControl.Reveals(exactMatches, k) || DisclosureControl.Reveals(exact.DocumentCount - exactMatches, k))
        {
            exactMatches = 0;
            suppressed++;
        }

        released.ExactMatches = exactMatches;

        var skipped = DisclosureControl.SkippedOf(result);
        suppressed += DisclosureControl.SuppressSkipped(skipped, k);
        var summary = DisclosureControl.ReleasedSummary(exact.DocumentCount, skipped);
        return MultiLabelResults.Build(result.Task, result.MultiLabel!.Threshold, released, summary) with
        {
            Release = new ReleaseSection(),
        };
    }
}
