using static Microsoft.Playwright.Assertions;

namespace Partages.Dashboard.Tests.Infrastructure;

/// <summary>What the browser tests do on the dashboard again and again: sign in, and keep a screenshot of a page.</summary>
public static class DashboardPages
{
    /// <summary>Under the repository's artifacts/ (beside the test results CI keeps), found from the test assembly's location.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    /// <summary>Opens the dashboard, is sent to the sign-in page, pastes the token and lands on the nodes page.</summary>
    public static async Task LogInAsync(IPage page, string token)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/dashboard/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/dashboard/login"));
        await page.GetByLabel("API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/dashboard/nodes$"));
    }

    /// <summary>A full-page PNG in artifacts/screenshots/, attached to the current test.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, name);
    }

    /// <summary>A PNG of one element (a chart at its real size), in artifacts/screenshots/, attached to the current test.</summary>
    public static async Task ScreenshotAsync(ILocator element, string name)
    {
        ArgumentNullException.ThrowIfNull(element);
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        TestContext.AddTestAttachment(path, name);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Partages.sln")))
            {
                return directory.FullName;
            }
        }

        // Run from a copy outside the repository: keep the screenshots beside the test assembly.
        return AppContext.BaseDirectory;
    }
}
