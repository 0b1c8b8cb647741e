namespace Partages.Dashboard.Tests.Browser;

/// <summary>
/// The list pages follow the federation as it changes, without a reload: an evaluation submitted through the API
/// appears at the top of the open evaluations list, held running while one node is down, and completes when the node
/// is back; a node agent that stops shows offline
/// on the open nodes page, and online again when it comes back. A marker set in the page proves it was never reloaded.
/// </summary>
public sealed class LiveListsTests : BrowserTest
{
    [Test]
    public async Task EvaluationsPage_EvaluationSubmittedWhileANodeIsDown_RowAppearsRunningThenCompletesWithoutReload()
    {
        using var cts = TestTimeout();
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;
        await page.GotoAsync("/dashboard/evaluations");
        await FollowingLiveUpdatesAsync(page);
        var all = Federation.NodeNames.Count;
        var late = Federation.NodeNames[^1];

        try
        {
            // With one node down its run waits offline (OfflineGraceSeconds is far longer than the test): the evaluation is held running, whatever the engine's speed.
            await Federation.StopNodeAsync(late);
            var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
            var row = page.Locator($"tr[data-evaluation='{submitted.Id}']");
            await Expect(row).ToContainTextAsync($"{all - 1} succeeded · {all - 1} of {all} final", new() { Timeout = 120_000 });
            await Expect(row.Locator(".badge")).ToHaveAttributeAsync("data-state", "running");
            await Expect(page.Locator("table.evaluations-table tbody tr").First).ToHaveAttributeAsync("data-evaluation", submitted.Id);
            await Expect(row.Locator("td").Nth(2)).Not.ToHaveTextAsync("—");
            await DashboardPages.ScreenshotAsync(page, "07-evaluations-live");

            // Focus the new row's link: an update of that row must not take the focus away (the link did not change).
            await row.Locator("a").FocusAsync();
            Federation.StartNode(late);

            await Expect(row.Locator(".badge")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 120_000 });
            await Expect(row).ToContainTextAsync($"{all} succeeded · {all} of {all} final");
            await Expect(row.Locator("a")).ToBeFocusedAsync();
            await StillTheSameDocumentAsync(page);
        }
        finally
        {
            // The other tests need every node.
            Federation.StartNode(late);
        }
    }

    [Test]
    public async Task NodesPage_NodeAgentStoppedThenStarted_GoesOfflineThenOnlineWithoutReload()
    {
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;
        await FollowingLiveUpdatesAsync(page);
        var all = Federation.NodeNames.Count;
        var node = Federation.Federation.Nodes[Federation.NodeNames[^1]];
        var badge = page.Locator($"tr[data-node='{node.Name}'] .badge");
        await Expect(badge).ToHaveAttributeAsync("data-state", "online");

        try
        {
            // Killed as a crash would: the coordinator sees its session end and the page is told at once.
            await Federation.StopNodeAsync(node.Name);
            await Expect(badge).ToHaveAttributeAsync("data-state", "offline");
            await Expect(badge).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Offline"));
            await Expect(page.Locator("#nodes-online")).ToHaveTextAsync($"{all - 1} / {all}");
            await DashboardPages.ScreenshotAsync(page, "08-nodes-one-offline");
        }
        finally
        {
            // The other tests need every node: start it again whatever happened above.
            Federation.StartNode(node.Name);
        }

        await Expect(badge).ToHaveAttributeAsync("data-state", "online", new() { Timeout = 90_000 });
        await Expect(page.Locator("#nodes-online")).ToHaveTextAsync($"{all} / {all}");
        await StillTheSameDocumentAsync(page);
    }

    /// <summary>
    /// Marks the document (a reload would lose the mark) and waits until the live region has received its first
    /// update, so the event stream is open before the test changes anything.
    /// </summary>
    private static async Task FollowingLiveUpdatesAsync(IPage page)
    {
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await Expect(page.Locator("#live-region")).ToHaveAttributeAsync("data-live-updates", new System.Text.RegularExpressions.Regex("^[1-9]"));
    }

    private static async Task StillTheSameDocumentAsync(IPage page) =>
        (await page.EvaluateAsync<bool>("() => window.__sameDocument === true")).Should().BeTrue("the list must update without a reload");
}
