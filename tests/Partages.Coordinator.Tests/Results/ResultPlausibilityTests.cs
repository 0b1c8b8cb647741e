using System.Text.Json.Nodes;
using Partages.Contracts;
using Partages.Coordinator.Results;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;

namespace Partages.Coordinator.Tests.Results;

/// <summary>
/// Issue 22, finding 5: a node submitting its counts × 1000 with its own certificate was accepted and pooled. A result
/// is now held to the dataset size the node announced in its hello; the check, the refusal and what is (not) pooled.
/// </summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class ResultPlausibilityTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    private static readonly long[][] SiteA = [[10, 1, 0, 0], [2, 8, 0, 0], [0, 0, 5, 1], [0, 0, 0, 3]];
    private static readonly long[][] SiteB = [[7, 0, 0, 1], [0, 4, 1, 0], [0, 2, 9, 0], [1, 0, 0, 6]];
    private static readonly StoredDataset[] Announced = [new("amr-reports", "jsonl", 280, new string('a', 64))];

    [Test]
    public async Task SubmitResult_CountsTimesAThousand_FailedPreconditionRunFailedAndOnlyTheHonestSitePooled()
    {
        await using var sites = await AcceptedSites.StartAsync(Server, Evaluator, Bundle, Evaluations.Spec("forged-counts", minSites: 1), "forger", "honest");
        var (evaluation, (forger, _, forgerRun), (honest, _, honestRun)) = (sites.Evaluation, sites.Sites[0], sites.Sites[1]);
        var forged = Evaluations.SiteResult([.. SiteA.Select(row => row.Select(c => c * 1000).ToArray())]);

        var submitForged = async () => await forger.SubmitResultAsync(forgerRun, forged);
        var refusal = (await submitForged.Should().ThrowAsync<RpcException>()).Which;
        var stored = await honest.SubmitResultAsync(honestRun, Evaluations.SiteResult(SiteB));

        refusal.StatusCode.Should().Be(StatusCode.FailedPrecondition);
        refusal.Status.Detail.Should().Contain("n_documents is 30000").And.Contain("input_summary.documents_read is 30000")
            .And.Contain("announced about 100 documents for dataset 'amr-reports'").And.Contain("at most 104");
        stored.Stored.Should().BeTrue("an honest result within the announced size passes");
        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Completed);
        final.IncludedSites.Should().Equal("honest");
        var forgerView = final.Runs.Single(r => r.NodeName == "forger");
        forgerView.State.Should().Be(RunState.Failed);
        forgerView.Reason.Should().StartWith("implausible result: ").And.Contain("30000");
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.Pooled!.NDocuments.Should().Be(SiteB.Sum(r => r.Sum()), "nothing of the forged result is pooled");
        pooled.PerSite.Keys.Should().Equal("honest");
    }

    [TestCase(284, true)]
    [TestCase(285, false)]
    public void Check_DocumentsReadAroundTheAnnouncedBound_RefusedOnlyAbove(long read, bool plausible)
    {
        var document = SingleLabel(read, evaluated: read);

        var problem = ResultPlausibility.Check(document, Announced, "amr-reports");

        if (plausible)
        {
            problem.Should().BeNull();
        }
        else
        {
            problem.Should().Contain($"input_summary.documents_read is {read}").And.Contain("about 280 documents").And.Contain("at most 284");
        }
    }

    [Test]
    public void Check_MoreEvaluatedThanReadWithoutStatedNoise_Refused()
    {
        var document = SingleLabel(read: 100, evaluated: 101);

        var problem = ResultPlausibility.Check(document, Announced, "amr-reports");

        problem.Should().Contain("n_documents is 101, more than input_summary.documents_read (100) plus what the noise explains (0:")
            .And.Contain("input_summary.documents_evaluated is 101");
    }

    [TestCase(148, true)]
    [TestCase(149, false)]
    public void Check_ExcessWithinSixSdOfTheOutcomeNoise_Allowed(long evaluated, bool plausible)
    {
        // C = 4 labels, σ² = 4: sd of the 16 cells' noise sum = 4 × 2 = 8, allowance ⌈6 × 8⌉ = 48 over documents_read.
        var document = SingleLabel(read: 100, evaluated: evaluated);
        var noisy = document with
        {
            Release = new ReleaseSection
            {
                DifferentialPrivacy = new DifferentialPrivacyRelease("discrete_gaussian", "replace_one", 0.01, 1, 1e-6, new NoiseVariances(4, null, null)),
            },
        };

        var problem = ResultPlausibility.Check(noisy, Announced, "amr-reports");

        (problem is null).Should().Be(plausible, problem);
    }

    [Test]
    public void Check_MultiLabelCountsTimesAThousand_Refused()
    {
        var statistics = new MultiLabelStatistics(["BLSE", "EPC"]);
        statistics.Add([true, false], [true, false]);
        var document = MultiLabelResults.Build(TaskTypes.MultiLabelClassification, 0.5, statistics, new InputSummary { DocumentsRead = 1, DocumentsEvaluated = 1 })
            with { NDocuments = 200_000, InputSummary = new InputSummary { DocumentsRead = 200_000, DocumentsEvaluated = 200_000 } };

        var problem = ResultPlausibility.Check(document, Announced, "amr-reports");

        problem.Should().Contain("n_documents").And.Contain("documents_read is 200000");
    }

    [Test]
    public void Check_EntityRecognitionCountsTimesAThousand_Refused()
    {
        var types = new[] { "BIOMARKER" };
        var boundaries = new ClassificationCounts(types);
        boundaries.Add(0, 0);
        var document = NerResults.Build(TaskTypes.TokenClassification, 280_000, new NerSchemeCounts(types), new SeqevalCounts(types), boundaries,
            new InputSummary { DocumentsRead = 280_000, DocumentsEvaluated = 280_000 });

        var problem = ResultPlausibility.Check(document, Announced, "amr-reports");

        problem.Should().Contain("input_summary.documents_read is 280000").And.Contain("about 280 documents");
    }

    [Test]
    public void Check_DatasetNotAnnounced_Refused()
    {
        var document = SingleLabel(read: 10, evaluated: 10);

        var problem = ResultPlausibility.Check(document, Announced, "oncology-reports");

        problem.Should().Contain("announced no dataset 'oncology-reports'");
    }

    [Test]
    public void UpperBound_EveryCountUpTo250000_IsTheLargestCountRoundingToTheSameAnnouncement()
    {
        for (var count = 0L; count <= 250_000; count++)
        {
            var announced = DocumentCountRounding.Round(count);
            var bound = DocumentCountRounding.UpperBound(announced);
            if (bound < count || DocumentCountRounding.Round(bound) != announced || DocumentCountRounding.Round(bound + 1) == announced)
            {
                Assert.Fail($"count {count}: announced {announced}, bound {bound}");
            }
        }
    }

    private static ResultDocument SingleLabel(long read, long evaluated)
    {
        var counts = new ClassificationCounts(Evaluations.Labels);
        counts.Add(0, 0, evaluated);
        return ResultDocument.FromCounts(Evaluations.Task, counts, new InputSummary { DocumentsRead = read, DocumentsEvaluated = evaluated });
    }
}
