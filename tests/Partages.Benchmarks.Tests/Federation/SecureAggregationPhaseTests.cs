using Partages.Benchmarks.Federation;

namespace Partages.Benchmarks.Tests.Federation;

/// <summary>
/// <c>federation --secure-aggregation</c> at its smallest: a real coordinator process, 3 simulated nodes each with its
/// own key, certificate and mTLS connection, a warm-up pair and one measured pair of evaluations (per site, then
/// pooled-only with the secure sum over gRPC). The timings are not asserted (docs/benchmarks.md); that each secure sum
/// is the per-site pooled result, and that a sum that is not is refused, are.
/// </summary>
public sealed class SecureAggregationPhaseTests
{
    [Test]
    [CancelAfter(600_000)]
    public async Task RunAsync_ThreeNodesSecureAggregation_SecureSumEqualsPerSitePooledAndAWrongSumIsRefused(CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("partages-secagg-bench-").FullName;
        try
        {
            var settings = new FederationSettings
            {
                Nodes = 3,
                Rounds = 1,
                SecureAggregation = true,
                WorkDirectory = Path.Combine(work, "run"),
                StepTimeout = TimeSpan.FromSeconds(240),
            };
            settings.Validate().Should().BeEmpty();

            var report = await new FederationBenchmark(settings, TextWriter.Null).RunAsync(cancellationToken);

            var figures = report.SecureAggregation!;
            figures.WarmUp.Should().NotBeNull();
            figures.Pairs.Should().ContainSingle();
            var pair = figures.Pairs[0];
            pair.SecureFirst.Should().BeTrue("pair 1 runs the secure evaluation first, the warm-up pair per site first");
            var perSite = SecureAggregationPhase.PooledCounts(pair.PerSite.PooledResultJson, "per-site");
            var secure = SecureAggregationPhase.PooledCounts(pair.Secure.PooledResultJson, "secure");
            secure.Should().Equal(perSite);
            perSite.Should().Contain(c => c > 0);
            pair.Secure.Dropped.Should().Be(0);
            pair.Secure.NodeMessages.Should().HaveCount(3).And.OnlyContain(b => b.Sent > 0 && b.Received > 0);
            pair.Secure.NodeWire.Should().OnlyContain(b => b.Sent > pair.Secure.NodeMessages[0].Sent / 2);

            // The pair's check refuses a secure sum that is not the per-site one (here: the warm-up pair's other counts).
            var wrong = pair.Secure with { PooledResultJson = figures.WarmUp!.Secure.PooledResultJson };
            var check = () => SecureAggregationPhase.CheckAgainstPerSite(pair.PerSite, wrong, 1);
            check.Should().Throw<BenchmarkFailedException>().WithMessage("*differs from the per-site pooled counts*");

            var printed = new StringWriter();
            report.Print(printed);
            printed.ToString().Should().Contain("Secure aggregation: 3 nodes (threshold t = 2)");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public void Validate_DropWithoutSecureAggregationOrTwoNodes_ListsEveryError()
    {
        var errors = new FederationSettings { Nodes = 2, SecureAggregation = true, SecureRoundSeconds = 0 }.Validate();
        errors.Should().Contain(e => e.Contains("--nodes") && e.Contains("--secure-aggregation"))
            .And.Contain(e => e.Contains("--secure-round-seconds"));
        new FederationSettings { DropAfterMasking = true }.Validate().Should().Contain("--drop-after-masking needs --secure-aggregation.");
    }
}
