namespace Partages.Dashboard.Tests.Browser;

public sealed class NodesPageTests : BrowserTest
{
    [Test]
    public async Task LogIn_ViewerToken_NodesPageShowsEveryHospitalOnlineWithVersionsAndDatasets()
    {
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;

        var rows = page.Locator("table.nodes-table tbody tr");
        await Expect(rows).ToHaveCountAsync(Federation.NodeNames.Count);
        foreach (var name in Federation.NodeNames)
        {
            var row = page.Locator($"tr[data-node='{name}']");
            await Expect(row.Locator(".badge")).ToHaveTextAsync(new Regex("Online"));
            await Expect(row).ToContainTextAsync("amr-reports");
            await Expect(row).ToContainTextAsync("amr-large");
            await Expect(row).ToContainTextAsync(new Regex(@"\d+ s ago"));
        }

        await Expect(page.Locator("#nodes-online")).ToHaveTextAsync($"{Federation.NodeNames.Count} / {Federation.NodeNames.Count}");
        await Expect(page.Locator(".session-who")).ToContainTextAsync("wall-screen");
        await DashboardPages.ScreenshotAsync(page, "01-nodes");
    }

    [Test]
    public async Task LogIn_UnknownToken_StaysOnSignInWithAnError()
    {
        await using var context = await Federation.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard/nodes");

        await page.GetByLabel("API token").FillAsync("not-a-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not valid");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));
        (await context.CookiesAsync()).Should().NotContain(c => c.Name.Contains("partages_session"));
        await DashboardPages.ScreenshotAsync(page, "00-login-refused");
    }

    [Test]
    public async Task LogIn_SessionCookie_IsHttpOnlySecureStrictAndLogOutEndsIt()
    {
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;

        var cookie = (await viewer.Context.CookiesAsync()).Should().ContainSingle(c => c.Name == "__Host-partages_session").Subject;
        cookie.HttpOnly.Should().BeTrue();
        cookie.Secure.Should().BeTrue();
        cookie.SameSite.Should().Be(SameSiteAttribute.Strict);
        (await page.EvaluateAsync<string>("() => document.cookie")).Should().NotContain("partages_session", "scripts must not read the token");

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));
        (await viewer.Context.CookiesAsync()).Should().NotContain(c => c.Name == "__Host-partages_session");
        await page.GotoAsync("/dashboard/nodes");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));
    }
}
