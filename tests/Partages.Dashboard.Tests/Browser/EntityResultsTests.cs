using System.Globalization;

namespace Partages.Dashboard.Tests.Browser;

/// <summary>
/// A real federated entity recognition evaluation (the model kit's oncology NER bundle on each hospital's oncology
/// reports, through each node's release gate and the coordinator's pooling), then its results page: the bars of every
/// scheme say exactly the pooled figures the coordinator stored.
/// </summary>
public sealed class EntityResultsTests : BrowserTest
{
    [Test]
    public async Task ResultsSection_FederatedNerEvaluation_BarsPerSchemeMatchThePooledResult()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitNerAsync(cts.Token);
        await using var cleanup = Federation.CancelIfRunning(submitted.Id);
        var final = await Federation.WaitUntilFinalAsync(submitted.Id, cts.Token);
        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.IncludedSites.Should().BeEquivalentTo(Federation.NodeNames);
        var types = pooled.Pooled!.ConfusionMatrix.Labels;
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;

        await page.GotoAsync($"/dashboard/evaluations/{submitted.Id}");

        await Expect(page.Locator("#entities")).ToBeVisibleAsync();
        var schemes = pooled.Pooled.Schemes;
        if (schemes is null)
        {
            // A site's release gate may withhold its schemes (docs/release-gate.md): then no bars, and the page says so.
            await Expect(page.Locator("#entities-not-released")).ToContainTextAsync("not released");
            await Expect(page.Locator("svg.entity-bars")).ToHaveCountAsync(0);
            Assert.Inconclusive("A release gate withheld the schemes section; the bars could not be compared.");
            return;
        }

        await Expect(page.Locator("svg.entity-bars")).ToHaveCountAsync(NerSchemes.All.Count);
        foreach (var scheme in NerSchemes.All)
        {
            var chart = page.Locator($"svg.entity-bars[data-scheme='{scheme}']");
            // Under nervaluate-1 a type's row is that type matched alone (schemes_by_type), the overall row all types together.
            var perType = pooled.Pooled.SchemesByType is { } byType && byType.TryGetValue(scheme, out var alone) && alone?.PerType is not null
                ? alone.PerType
                : schemes[scheme].PerType;
            var rows = types.Select(t => (Key: t, Metrics: perType[t])).Append(("overall", schemes[scheme].Overall));
            foreach (var (key, metrics) in rows)
            {
                var group = chart.Locator($"g.entity-type[data-type='{key}']");
                var shown = await group.Locator("text.row-value").EvaluateAllAsync<string[]>("texts => texts.map(t => (t.dataset.metric ?? 'none') + '=' + t.textContent)");
                string[] expected = metrics is { Possible: 0, Actual: 0 }
                    ? ["none=no gold and no predicted entity: nothing to score"]
                    : [$"precision={Shown(metrics.Actual == 0 ? null : metrics.Precision)}", $"recall={Shown(metrics.Possible == 0 ? null : metrics.Recall)}", $"f1={Shown(metrics.Possible == 0 ? null : metrics.F1)}"];
                shown.Should().Equal(expected, $"{scheme} {key}");
                await Expect(group.Locator(".row-sub")).ToHaveTextAsync($"{Count(metrics.Possible)} gold · {Count(metrics.Actual)} predicted");
            }
        }

        // Each site's own F1 per type and scheme: one row per type plus its overall, for every hospital.
        await Expect(page.Locator("table.entity-sites-table tbody tr")).ToHaveCountAsync(Federation.NodeNames.Count * (types.Count + 1));
        await Expect(page.Locator("#roc-unavailable")).ToContainTextAsync("entity recognition");
        await DashboardPages.ScreenshotAsync(page, "11-evaluation-ner-federated");
        await DashboardPages.ScreenshotAsync(page.Locator("#entities figure[data-scheme='strict']"), "12-entity-bars-strict-federated");
    }

    private static string Shown(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "undefined";

    private static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture).Replace(',', '\u202F');
}
