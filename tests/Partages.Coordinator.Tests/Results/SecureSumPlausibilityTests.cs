using Partages.Contracts;
using Partages.Coordinator.Results;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.Evaluation.Tasks.MultipleChoice;

namespace Partages.Coordinator.Tests.Results;

/// <summary>
/// ERRATA 14, forged counts: the coordinator cannot check one site of a secure sum, so it holds the unmasked, pooled
/// sum (<see cref="SecureSumLayout.Pool"/>, as <c>SecureSumPooling</c> closes the evaluation) to the sum of the
/// contributors' announced dataset sizes, allowing for the noise of every contributor's share.
/// </summary>
public sealed class SecureSumPlausibilityTests
{
    private const string Dataset = "amr-reports";
    private static readonly string[] SkipKinds = ["empty_text", "unknown_label"];

    /// <summary>Each announces about 100 documents: at most 104 round to that, 312 for the three.</summary>
    private static readonly Dictionary<string, IReadOnlyList<StoredDataset>> Announced = new(StringComparer.Ordinal)
    {
        ["site-a"] = [new(Dataset, "jsonl", 100, new string('a', 64))],
        ["site-b"] = [new(Dataset, "jsonl", 100, new string('b', 64))],
        ["site-c"] = [new(Dataset, "jsonl", 100, new string('c', 64))],
    };

    [TestCase(104, true)]
    [TestCase(105, false)]
    public void CheckSum_ExactSumAroundTheSummedAnnouncedBounds_RefusedOnlyAbove(long thirdSiteDocuments, bool plausible)
    {
        var pooled = SumOf([Exact(104, 104), Exact(104, 104), Exact(thirdSiteDocuments, thirdSiteDocuments)], contributors: 3);

        var problem = ResultPlausibility.CheckSum(pooled, Announced, Dataset);

        if (plausible)
        {
            problem.Should().BeNull("312 documents are within the three announcements of about 100");
        }
        else
        {
            problem.Should().Contain("input_summary.documents_read is 313").And.Contain("more than the dataset holds")
                .And.Contain($"the 3 contributors announced at most 312 documents in all for dataset '{Dataset}'");
        }
    }

    [Test]
    public void CheckSum_NoisySumShiftedWithinTheSummedNoise_AcceptedAndOneBeyondRefusedWithTheReason()
    {
        var (honest, v, allowance) = HonestShare();
        allowance.Should().BeLessThan(300, "the shifts below must stay under the announced sizes to test the noise allowance alone");

        // A contributor adds counts it did not read: n_documents exceeds documents_read (120) by the shift.
        var within = SumOf([honest, honest, Noisy(Exact(40 + allowance, 40))], contributors: 3);
        var beyond = SumOf([honest, honest, Noisy(Exact(40 + allowance + 1, 40))], contributors: 3);

        within.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().BeApproximately(3 * v, 1e-9, "the pooled sum states every contributor's share");
        ResultPlausibility.CheckSum(within, Announced, Dataset).Should().BeNull("a shift within 6 sd of the summed noise could be noise");
        ResultPlausibility.CheckSum(beyond, Announced, Dataset).Should()
            .Contain($"n_documents is {120 + allowance + 1}, more than input_summary.documents_read (120) plus what the noise explains ({allowance}: z = 6 × σ·√K over the K = 16 noisy cells")
            .And.Contain($"input_summary.documents_evaluated is {120 + allowance + 1}");
    }

    [Test]
    public void CheckSum_AllowanceFromTheStatedVarianceOfEveryShare_OneShareAloneAllowsLess()
    {
        var (honest, v, allOfThem) = HonestShare();
        var shifted = new[] { honest, honest, Noisy(Exact(40 + allOfThem, 40)) };

        // The same summed counts, read as the sum of three shares and (wrongly) as carrying one share's noise.
        var asSum = SumOf(shifted, contributors: 3);
        var asOneShare = SumOf(shifted, contributors: 1);

        ResultPlausibility.CheckSum(asSum, Announced, Dataset).Should().BeNull();
        ResultPlausibility.CheckSum(asOneShare, Announced, Dataset).Should().Contain($"n_documents is {120 + allOfThem}")
            .And.Contain($"σ² = {v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    [Test]
    public void CheckSum_ContributorWithoutTheDataset_RefusedNamingIt()
    {
        var pooled = SumOf([Exact(10, 10), Exact(10, 10), Exact(10, 10)], contributors: 3);
        var announced = new Dictionary<string, IReadOnlyList<StoredDataset>>(Announced, StringComparer.Ordinal)
        {
            ["site-c"] = [new("oncology-reports", "jsonl", 100, new string('c', 64))],
        };

        ResultPlausibility.CheckSum(pooled, announced, Dataset).Should().Be(
            $"contributor site-c announced no dataset '{Dataset}' in its latest hello, so the secure sum cannot be held to any size");
    }

    [Test]
    public void CheckSum_MultipleChoiceSumUnderNoise_AllowsForItsNineOutcomeCells()
    {
        // n_documents of a multiple-choice result adds its nine outcome cells (its top-level matrix is empty): an
        // honest sum 2 sd (of those cells) above documents_read is noise, and was refused when one cell was assumed.
        var task = TaskRegistry.Get(MultipleChoiceTask.TaskName);
        var counts = new MultipleChoiceCounts(5);
        for (var q = 0; q < 30; q++)
        {
            counts.Add(new HashSet<string>(["A"], StringComparer.Ordinal), new HashSet<string>([q % 2 == 0 ? "A" : "B"], StringComparer.Ordinal), MultipleChoiceSection.Valid, false);
        }

        var exact = MultipleChoiceResults.Build(task.Name, counts.Bins, counts.Histogram, counts.Outputs, counts.Truncated,
            new DecodingRecord(DecodingRecord.Greedy, 16, null, DecodingRecord.EngineLogitMask), new InputSummary { DocumentsRead = 30, DocumentsEvaluated = 30 }, release: null);
        var share = Skellam(task.ReleasePrivate(exact, Policy(new ConstantNoise(0))));
        var v = share.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts;
        var pooled = SumOf([share, share, share], contributors: 3, ["A", "B", "C", "D", "E"]);
        var sd = Math.Sqrt(9 * 3 * v);
        var noisy = pooled with { NDocuments = 90 + (long)Math.Floor(2 * sd), InputSummary = pooled.InputSummary with { DocumentsEvaluated = 90 + (long)Math.Floor(2 * sd) } };
        var forged = pooled with { NDocuments = 90 + (long)Math.Ceiling(6 * sd) + 1 };

        ResultPlausibility.CheckSum(noisy, Announced, Dataset).Should().BeNull();
        ResultPlausibility.CheckSum(forged, Announced, Dataset).Should().Contain("K = 9 noisy cells");
    }

    /// <summary>
    /// An honest contributor's share over 40 reports, its per-cell variance v, and the allowance of a sum of three such
    /// shares: n_documents adds 16 cells of variance 3v, 6 sd of which is allowed.
    /// </summary>
    private static (ResultDocument Share, double Variance, long Allowance) HonestShare()
    {
        var share = Noisy(Exact(40, 40));
        var v = share.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts;
        return (share, v, (long)Math.Ceiling(ResultPlausibility.Quantile * Math.Sqrt(16 * 3 * v)));
    }

    private static ResultDocument Exact(long evaluated, long read)
    {
        var counts = new ClassificationCounts(Evaluations.Labels);
        counts.Add(0, 0, evaluated);
        return ResultDocument.FromCounts(Evaluations.Task, counts, new InputSummary { DocumentsRead = read, DocumentsEvaluated = evaluated });
    }

    /// <summary>A contributor's Skellam share as its release gate states it (no noise drawn here: the test shifts counts itself).</summary>
    private static ResultDocument Noisy(ResultDocument exact) =>
        Skellam(TaskRegistry.Get(Evaluations.Task).ReleasePrivate(exact, Policy(new ConstantNoise(0))));

    private static ResultDocument Skellam(ResultDocument share) =>
        share with { Release = share.Release! with { DifferentialPrivacy = share.Release.DifferentialPrivacy! with { Mechanism = DifferentialPrivacyRelease.Skellam, NoiseThreshold = 2 } } };

    private static PrivateRelease Policy(ICountNoise noise) => new(0.05, 1e-6, 3, 300, SkipKinds, noise);

    /// <summary>What the coordinator gets from a secure sum of <paramref name="sites"/>: their vectors added, filled and pooled.</summary>
    private static ResultDocument SumOf(IReadOnlyList<ResultDocument> sites, int contributors, IReadOnlyList<string>? labels = null)
    {
        labels ??= Evaluations.Labels;
        var vectors = sites.Select(s => SecureSumLayout.Flatten(ResultJson.DeserializeSite(ResultJson.Serialize(s)), labels, SkipKinds)).ToList();
        var sum = new long[vectors[0].Counts.Length];
        foreach (var vector in vectors)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += vector.Counts[i];
            }
        }

        return SecureSumLayout.Pool(vectors[0].LayoutJson, sum, contributors, labels)!;
    }

    private sealed class ConstantNoise(long value) : ICountNoise
    {
        public long Sample(Rational sigmaSquared) => value;
    }
}
