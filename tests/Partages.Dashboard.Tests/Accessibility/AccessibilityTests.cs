using System.Text.Json;

namespace Partages.Dashboard.Tests.Accessibility;

/// <summary>
/// axe-core (4.14.1, from the npm registry, copied beside this file) on the main pages: every WCAG 2.1 A and AA
/// rule it checks, which include form labels, names of links and buttons, and text contrast. Any violation fails.
/// </summary>
public sealed class AccessibilityTests : BrowserTest
{
    private static readonly string AxePath = Path.Combine(AppContext.BaseDirectory, "Accessibility", "axe.min.js");

    [Test]
    public async Task MainPages_Axe_NoWcagAViolationsIncludingLabelsAndContrast()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
        await Federation.WaitUntilFinalAsync(submitted.Id, cts.Token);
        await using var context = await Federation.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Federation.BaseUrl.ToString().TrimEnd('/'),
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = 1920, Height = 1080 },
            // The dashboard's CSP refuses inline scripts, rightly; the test's own injected axe needs an exception.
            BypassCSP = true,
        });
        var page = await context.NewPageAsync();
        var report = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

        await page.GotoAsync("/dashboard/login");
        report["login"] = await AxeAsync(page);
        await DashboardPages.LogInAsync(page, Federation.ViewerToken);
        report["nodes"] = await AxeAsync(page);
        await page.GotoAsync("/dashboard/evaluations");
        report["evaluations"] = await AxeAsync(page);
        await page.GotoAsync($"/dashboard/evaluations/{submitted.Id}");
        await Expect(page.Locator("#results")).ToBeVisibleAsync();
        report["evaluation"] = await AxeAsync(page);
        // Entity recognition results (hand-made, rendered by the coordinator's page code), with every table open.
        await page.GotoAsync("/dashboard/login");
        await page.SetContentAsync(NerSamples.RenderRealisticPage());
        await page.EvaluateAsync("() => document.querySelectorAll('details').forEach(d => d.open = true)");
        await Expect(page.Locator("svg.entity-bars")).ToHaveCountAsync(4);
        report["evaluation-ner"] = await AxeAsync(page);

        var path = Path.Combine(DashboardPages.ScreenshotDirectory, "axe-report.json");
        Directory.CreateDirectory(DashboardPages.ScreenshotDirectory);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cts.Token);
        TestContext.AddTestAttachment(path, "axe-core violations per page");
        var violations = report.SelectMany(p => p.Value.EnumerateArray().Select(v => $"{p.Key}: {v.GetProperty("id").GetString()} — {v.GetProperty("help").GetString()} at {v.GetProperty("nodes")}")).ToList();
        violations.Should().BeEmpty();
    }

    [Test]
    public async Task Axe_PageWithAnUnlabelledFieldAndFaintText_ReportsLabelAndContrast()
    {
        // The check itself can fail: on a deliberately broken page it finds both kinds of violation.
        await using var context = await Federation.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SetContentAsync("<html lang=\"en\"><head><title>broken</title></head><body><main><input type=\"text\"><p style=\"color:#bbb;background:#fff\">faint text</p></main></body></html>");

        var ids = (await AxeAsync(page)).EnumerateArray().Select(v => v.GetProperty("id").GetString()).ToList();

        ids.Should().Contain("label").And.Contain("color-contrast");
    }

    private static async Task<JsonElement> AxeAsync(IPage page)
    {
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = AxePath });
        return await page.EvaluateAsync<JsonElement>(
            """
            async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }))
              .violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }))
            """);
    }
}
