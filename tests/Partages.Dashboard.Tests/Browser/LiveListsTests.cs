using Microsoft.Playwright;
using Partages.Contracts.V1;
using Partages.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Partages.Dashboard.Tests.Browser;

/// <summary>
/// The list pages follow the federation as it changes, without a reload: an evaluation submitted through the API
/// appears at the top of the open evaluations list and its row changes state; a node agent that stops shows offline
/// on the open nodes page, and online again when it comes back. A marker set in the page proves it was never reloaded.
/// </summary>
[NonParallelizable]
public sealed class LiveListsTests
{
    private static DashboardFederation Federation => DashboardFederation.Current;

    [Test]
    public async Task EvaluationsPage_EvaluationSubmittedThenCancelled_RowAppearsAndChangesStateWithoutReload()
    {
        using var cts = new CancellationTokenSource(DashboardFederation.Timeout);
        await using var context = await Federation.NewContextAsync();
        var page = await context.NewPageAsync();
        await DashboardPages.LogInAsync(page, Federation.ViewerToken);
        await page.GotoAsync("/dashboard/evaluations");
        await FollowingLiveUpdatesAsync(page);

        var submitted = await Federation.SubmitAsync("amr-large", cts.Token);
        await using var cleanup = Federation.CancelIfRunning(submitted.Id);

        var row = page.Locator($"tr[data-evaluation='{submitted.Id}']");
        await Expect(row.Locator(".badge")).ToHaveAttributeAsync("data-state", "running");
        await Expect(page.Locator("table.evaluations-table tbody tr").First).ToHaveAttributeAsync("data-evaluation", submitted.Id);
        // The documents column moves as the nodes report (bundle downloads do not count, so wait for documents).
        await Expect(row.Locator("td").Nth(2)).Not.ToHaveTextAsync("—", new() { Timeout = 120_000 });
        await DashboardPages.ScreenshotAsync(page, "07-evaluations-live");

        // Focus the new row's link: an update of that row must not take the focus away (the link did not change).
        await row.Locator("a").FocusAsync();
        await Federation.Evaluations.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = submitted.Id, Reason = "live list test" }, cancellationToken: cts.Token);

        await Expect(row.Locator(".badge")).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(row).ToContainTextAsync($"{Federation.NodeNames.Count} of {Federation.NodeNames.Count} final");
        await Expect(row.Locator("a")).ToBeFocusedAsync();
        await StillTheSameDocumentAsync(page);
    }

    [Test]
    public async Task NodesPage_NodeAgentStoppedThenStarted_GoesOfflineThenOnlineWithoutReload()
    {
        await using var context = await Federation.NewContextAsync();
        var page = await context.NewPageAsync();
        await DashboardPages.LogInAsync(page, Federation.ViewerToken);
        await FollowingLiveUpdatesAsync(page);
        var all = Federation.NodeNames.Count;
        var node = Federation.Federation.Nodes[Federation.NodeNames[^1]];
        var badge = page.Locator($"tr[data-node='{node.Name}'] .badge");
        await Expect(badge).ToHaveAttributeAsync("data-state", "online");

        try
        {
            // Killed as a crash would: the coordinator sees its session end and the page is told at once.
            await node.Process.DisposeAsync();
            await Expect(badge).ToHaveAttributeAsync("data-state", "offline");
            await Expect(badge).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Offline"));
            await Expect(page.Locator("#nodes-online")).ToHaveTextAsync($"{all - 1} / {all}");
            await DashboardPages.ScreenshotAsync(page, "08-nodes-one-offline");
        }
        finally
        {
            // The other tests need every node: start it again whatever happened above.
            node.Start();
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
