using System.Text.Json.Nodes;
using Partages.Evaluation.Tasks;

namespace Partages.Evaluation.Tests.Results;

/// <summary>
/// Every registered task type lays out for a secure sum: the sites' vectors summed, filled and pooled give exactly the
/// pooled result of the sites' own releases, exact or under distributed noise, and a spec asking it <c>pooled_only</c>
/// is accepted. A task type added later falls under these tests (and <see cref="TaskSamples"/> asks for its sample);
/// one whose results cannot be laid out must be refused <c>pooled_only</c> at submission, with its reason, instead.
/// </summary>
public sealed class SecureSumTaskLayoutTests
{
    private static readonly string[] SkipKinds = ["empty_text", "unknown_label"];

    private static IEnumerable<string> Tasks() => TaskRegistry.Names;

    [TestCaseSource(nameof(Tasks))]
    public void Flatten_ThreeSitesOfTheTask_SumPoolsToTheSitesPoolAndPooledOnlyIsAccepted(string name)
    {
        var task = TaskRegistry.Get(name);
        var labels = TaskSamples.Labels(name);
        var random = new Random(name.Length * 7919);
        var sites = Enumerable.Range(0, 3).ToDictionary(i => $"site-{i}", i => Released(task, TaskSamples.Site(name, random, 20 + (10 * i))));

        var pooled = SumAndPool(sites.Values.ToList(), labels);
        var expected = PooledResultDocument.Pool(name, labels, sites, []).Pooled!;

        SpecParser.Parse(Spec(name, labels)).Errors.Should().NotContain(e => e.Field == "pooled_only");
        Normalised(pooled).Should().Be(Normalised(expected), "the pooled result of the secure sum is the sites' pooled result, figure for figure");
        SecureSumLayout.Flatten(pooled, labels, SkipKinds).Counts.Should().Contain(c => c > 0, "the sample has counts to sum");
    }

    [TestCaseSource(nameof(Tasks))]
    public void Flatten_NoisySharesOfTheTask_SumPoolsToTheSharesPoolWithEveryVariance(string name)
    {
        var task = TaskRegistry.Get(name);
        var labels = TaskSamples.Labels(name);
        var random = new Random(name.Length * 104729);
        var policy = new PrivateRelease(0.05, 1e-6, 3, 300, SkipKinds, new SecureSumLayoutTests.AlternatingNoise());
        var shares = Enumerable.Range(0, 3)
            .Select(i => task.ReleasePrivate(TaskSamples.Site(name, random, 15 + (5 * i)), policy))
            .Select(s => s with { Release = s.Release! with { DifferentialPrivacy = s.Release.DifferentialPrivacy! with { Mechanism = DifferentialPrivacyRelease.Skellam, NoiseThreshold = 2 } } })
            .Select(s => ResultJson.DeserializeSite(ResultJson.Serialize(s)))
            .ToList();

        var pooled = SumAndPool(shares, labels);
        var expected = PooledResultDocument.Pool(name, labels, shares.Select((s, i) => new KeyValuePair<string, ResultDocument>($"s{i}", s)).ToDictionary(), []).Pooled!;

        Normalised(pooled).Should().Be(Normalised(expected), "noisy counts add with their signs, and the variances of the three shares add");
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().BeApproximately(3 * shares[0].Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts, 1e-9);
    }

    private static ResultDocument SumAndPool(IReadOnlyList<ResultDocument> sites, IReadOnlyList<string> labels)
    {
        var vectors = sites.Select(s => SecureSumLayout.Flatten(s, labels, SkipKinds)).ToList();
        vectors.Select(v => v.LayoutJson).Distinct().Should().ContainSingle("every site of one spec shares one layout");
        return SecureSumLayout.Pool(vectors[0].LayoutJson, SecureSumLayoutTests.Sum(vectors), sites.Count, labels)!;
    }

    private static ResultDocument Released(TaskType task, ResultDocument result) =>
        ResultJson.DeserializeSite(ResultJson.Serialize(task.ReleaseExact(result)));

    /// <summary>The result's JSON with the skipped kinds at zero dropped, wherever an input summary is (the layout lists every kind a reader knows).</summary>
    private static string Normalised(ResultDocument document)
    {
        var tree = JsonNode.Parse(ResultJson.Serialize(document))!;
        DropZeroSkips(tree);
        return tree.ToJsonString();
    }

    private static void DropZeroSkips(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["skipped"] is JsonObject skipped)
                {
                    foreach (var kind in skipped.Where(k => k.Value?.GetValue<long>() == 0).Select(k => k.Key).ToList())
                    {
                        skipped.Remove(kind);
                    }
                }

                foreach (var (_, child) in obj)
                {
                    DropZeroSkips(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    DropZeroSkips(child);
                }

                break;
        }
    }

    private static string Spec(string task, IReadOnlyList<string> labels) =>
        $"version: 1\nname: secure-sum-{task.Replace('_', '-')}\ntask: {task}\ndataset: reports\nlabels: [{string.Join(", ", labels)}]\npooled_only: true\nmin_sites: 3\n";
}
