using Partages.Evaluation;

namespace Partages.Dashboard.Tests.Browser;

public sealed class EvaluationPageTests : BrowserTest
{
    [Test]
    public async Task EvaluationPage_RunningEvaluation_ProgressMovesWithoutReloadThenResultsAppear()
    {
        using var cts = TestTimeout();
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;

        var submitted = await Federation.SubmitAsync("amr-large", cts.Token);
        // Nodes run one job at a time: if this test fails half way, do not leave them busy for the next tests.
        await using var cleanup = Federation.CancelIfRunning(submitted.Id);
        await page.GotoAsync($"/dashboard/evaluations/{submitted.Id}");
        await Expect(page.Locator(".run")).ToHaveCountAsync(Federation.NodeNames.Count);
        // A marker that only survives if the page is never reloaded: the progress must move by itself.
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        // Some node is part way, then the same node further on, in the same document.
        var first = await page.WaitForFunctionAsync(
            """
            () => {
              const bar = [...document.querySelectorAll('.run progress')].find(p => p.value > 0 && p.value < p.max);
              return bar ? { Run: bar.closest('.run').dataset.runId, Value: bar.value } : null;
            }
            """,
            null,
            new PageWaitForFunctionOptions { Timeout = 120_000 });
        var seen = await first.JsonValueAsync<Progress>();
        await DashboardPages.ScreenshotAsync(page, "03-evaluation-running");
        await page.WaitForFunctionAsync(
            """
            ([run, value]) => window.__sameDocument === true
              && document.querySelector(`.run[data-run-id="${run}"] progress`).value > value
            """,
            new object[] { seen.Run, seen.Value },
            new PageWaitForFunctionOptions { Timeout = 120_000 });
        await Expect(page.Locator($".run[data-run-id='{seen.Run}'] .run-count")).ToContainTextAsync("documents");

        // When the evaluation ends the page fetches the results once.
        await Expect(page.Locator("#results")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await Expect(page.Locator("#evaluation-state")).ToHaveTextAsync(new Regex("Completed"));
        foreach (var run in await page.Locator(".run").AllAsync())
        {
            await Expect(run.Locator(".badge")).ToHaveTextAsync(new Regex("Succeeded"));
            await Expect(run.Locator(".history li").First).ToContainTextAsync("Queued");
            await Expect(run.Locator(".history li").Last).ToContainTextAsync("Succeeded");
        }

        await DashboardPages.ScreenshotAsync(page, "04-evaluation-large-results");
    }

    [Test]
    public async Task EvaluationPage_NodeDownAtSubmission_RunShownOfflineWithItsWaitThenSucceedsWhenTheNodeIsBack()
    {
        using var cts = TestTimeout();
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;
        var late = Federation.NodeNames[^1];

        try
        {
            await Federation.StopNodeAsync(late);
            // Submitted once the coordinator has seen the session end (the nodes page says so, live), so the run is offline.
            await page.GotoAsync("/dashboard/nodes");
            await Expect(page.Locator($"tr[data-node='{late}'] .badge")).ToHaveAttributeAsync("data-state", "offline");
            var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
            await page.GotoAsync($"/dashboard/evaluations/{submitted.Id}");
            var card = page.Locator($".run[data-node='{late}']");
            await Expect(card.Locator(".run-head .badge")).ToHaveAttributeAsync("data-state", "offline");
            await Expect(card.Locator(".run-head .badge")).ToHaveTextAsync(new Regex("Offline"));
            await Expect(card.Locator(".run-waiting")).ToContainTextAsync("waiting since");
            await Expect(card.Locator(".run-reason")).ToContainTextAsync("the node was offline at submission");
            await DashboardPages.ScreenshotAsync(page, "05-evaluation-node-offline");

            Federation.StartNode(late);

            await Expect(page.Locator("#evaluation-state")).ToHaveTextAsync(new Regex("Completed"), new() { Timeout = 180_000 });
            await Expect(page.Locator($".run[data-node='{late}'] .run-head .badge")).ToHaveTextAsync(new Regex("Succeeded"));
            await Expect(page.Locator($".run[data-node='{late}'] .run-waiting")).ToBeHiddenAsync();
        }
        finally
        {
            // The other tests need every node.
            Federation.StartNode(late);
        }
    }

    [Test]
    public async Task ResultsSection_CompletedEvaluation_ForestPlotsHaveOneRowPerSiteAndThePooledEstimate()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
        var final = await Federation.WaitUntilFinalAsync(submitted.Id, cts.Token);
        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;

        await page.GotoAsync($"/dashboard/evaluations/{submitted.Id}");

        var labels = ResultJson.DeserializePooled(final.PooledResultJson).Pooled!.ConfusionMatrix.Labels;
        var forests = page.Locator("svg.forest");
        await Expect(forests).ToHaveCountAsync(labels.Count); // one per class
        foreach (var forest in await forests.AllAsync())
        {
            var sites = await forest.Locator("g.forest-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.site)");
            sites.Should().Equal([.. Federation.NodeNames.Order(StringComparer.Ordinal), "pooled"]);
        }

        // Each pooled row holds the DerSimonian–Laird diamond, or says why there is none (fewer than two sites with an
        // estimable F1 and a variance: under differential privacy a small class's F1 is often not estimable).
        foreach (var pooled in await page.Locator("g.forest-pooled").AllAsync())
        {
            var diamond = await pooled.Locator("polygon.pooled-mark").CountAsync();
            (diamond == 1 || (await pooled.TextContentAsync())!.Contains("not estimable", StringComparison.Ordinal)).Should().BeTrue();
        }
        await Expect(page.Locator("table.results-table tbody tr")).ToHaveCountAsync(Federation.NodeNames.Count + 1);
        await Expect(page.Locator("table.results-table tr.pooled-row th")).ToHaveTextAsync("Pooled (all sites)");
        await Expect(page.Locator("svg.heatmap g.cell")).ToHaveCountAsync(labels.Count * labels.Count);
        var pooledResult = ResultJson.DeserializePooled(final.PooledResultJson).Pooled!;
        if (pooledResult.Release?.DifferentialPrivacy is { } privacy)
        {
            // Under differential privacy (the default): no curve from noisy bins, a table of AUROC with intervals;
            // every row says which privacy it was released under, and the notes say the intervals include the noise.
            await Expect(page.Locator("#noisy-auroc tbody tr")).ToHaveCountAsync(labels.Count);
            await Expect(page.Locator("table.results-table tbody tr td").Filter(new() { HasTextString = "DP ε" })).ToHaveCountAsync(Federation.NodeNames.Count + 1);
            await Expect(page.Locator("#release-notes")).ToContainTextAsync("interval includes the noise");
            privacy.Mechanism.Should().Be("discrete_gaussian");
        }
        else if (await page.Locator("#roc-unavailable").CountAsync() == 1)
        {
            await Expect(page.Locator("#roc-unavailable")).ToContainTextAsync("not available for this result");
        }
        else
        {
            await Expect(page.Locator("svg.roc g.roc-curve polyline")).ToHaveCountAsync(4);
        }

        // What each node released: the SHA-256 of exactly the payload the coordinator holds for the run, which is
        // the one the node's own hash-chained audit log recorded before the bytes left.
        foreach (var run in final.Runs)
        {
            var row = page.Locator($"#released tr[data-run-id='{run.Id}']");
            await Expect(row.Locator("td.hash")).ToHaveTextAsync(ContentHash.Of(run.ResultJson));
            (await NodeAuditedPayloadAsync(run.NodeName, run.Id)).Should().Be(ContentHash.Of(run.ResultJson));
        }

        await DashboardPages.ScreenshotAsync(page, "05-evaluation-results");
    }

    [Test]
    public async Task EvaluationsPage_StateFilter_ListsOnlyThatState()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
        await Federation.WaitUntilFinalAsync(submitted.Id, cts.Token);
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;

        await page.GetByRole(AriaRole.Link, new() { Name = "Evaluations" }).ClickAsync();
        await Expect(page.Locator($"tr[data-evaluation='{submitted.Id}']")).ToBeVisibleAsync();
        await DashboardPages.ScreenshotAsync(page, "02-evaluations");

        await page.GetByLabel("State").SelectOptionAsync("cancelled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filter" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("state=cancelled"));
        await Expect(page.Locator($"tr[data-evaluation='{submitted.Id}']")).ToHaveCountAsync(0);
        await page.GetByLabel("State").SelectOptionAsync("completed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filter" }).ClickAsync();
        await Expect(page.Locator($"tr[data-evaluation='{submitted.Id}']")).ToBeVisibleAsync();
        var states = await page.Locator("table.evaluations-table tbody .badge").EvaluateAllAsync<string[]>("badges => badges.map(b => b.dataset.state)");
        states.Should().OnlyContain(s => s == "completed");
    }

    /// <summary>The payload_sha256 of the run's result_released entry in the node's audit/audit.jsonl.</summary>
    private static async Task<string?> NodeAuditedPayloadAsync(string node, string runId)
    {
        var nodeDirectory = Path.GetDirectoryName(Federation.Federation.Nodes[node].ConfigPath)!;
        var lines = await File.ReadAllLinesAsync(Path.Combine(nodeDirectory, "node-data", "audit", "audit.jsonl"));
        return lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "result_released" && e.TryGetProperty("run_id", out var id) && id.GetString() == runId)
            .Select(e => e.GetProperty("payload_sha256").GetString())
            .SingleOrDefault();
    }

    private sealed class Progress
    {
        public string Run { get; set; } = "";

        public double Value { get; set; }
    }
}
