using Partages.Testing.Provisioning;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// The coordinator as a real process on a real PostgreSQL server (Coordinator:Database:Provider = postgresql, given
/// through the environment as an operator would): its admin commands issue tokens into PostgreSQL, two nodes enroll
/// and finish an evaluation, and nothing is written to a SQLite file in the data dir.
/// </summary>
[NonParallelizable]
public sealed class PostgreSqlFederationTests
{
    [Test]
    public async Task Evaluation_CoordinatorOnPostgreSql_NodesEnrollAndTheEvaluationCompletesWithBothSites()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var postgres = await PostgresServer.StartAsync(cts.Token);
        var connectionString = await postgres.CreateDatabaseAsync("partages_e2e", cts.Token);
        var work = FederationSupport.NewWorkDirectory("postgresql");
        var assets = TestAssets.Assets;

        await using (var federation = await LocalFederation.StartAsync(new FederationOptions
        {
            WorkDirectory = work,
            DifferentialPrivacy = "off",
            PinnedBundleSha256 = [assets.BundleSha256],
            CoordinatorEnvironment = new Dictionary<string, string>
            {
                ["Coordinator__Database__Provider"] = "postgresql",
                ["Coordinator__Database__ConnectionString"] = connectionString,
            },
        }, cts.Token))
        {
            await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", assets.Hospitals[0].AmrPath)], cts.Token);
            await federation.AddNodeAsync("site-b", [new NodeDataset("amr-reports", assets.Hospitals[1].AmrPath)], cts.Token);
            using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("e2e", "evaluator", cts.Token));
            var evaluator = new EvaluatorClient(channel);
            var bundle = await evaluator.UploadBundleAsync(assets.BundlePath, cts.Token);

            var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site-a", "site-b"], minSites: 2), bundle.Sha256, cancellationToken: cts.Token);
            var final = await evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cts.Token);

            final.State.Should().Be(EvaluationState.Completed, final.Reason);
            final.IncludedSites.Should().Equal("site-a", "site-b");
            ResultJson.DeserializePooled(final.PooledResultJson).Pooled!.ConfusionMatrix.Matrix.SelectMany(r => r).Sum().Should().BeGreaterThan(0);
            File.Exists(Path.Combine(federation.CoordinatorDataDirectory, "coordinator.db")).Should().BeFalse("the state is in PostgreSQL");
        }

        Directory.Delete(work, recursive: true);
    }
}
