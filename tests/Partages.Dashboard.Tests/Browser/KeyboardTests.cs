namespace Partages.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard with the keyboard only: sign in, go from the nodes to the evaluations to one evaluation with Tab
/// and Enter, and on each page every link, button and field is reached by Tab and shows where the focus is.
/// </summary>
public sealed class KeyboardTests : BrowserTest
{
    [Test]
    public async Task Keyboard_TabAndEnterOnly_SignInNodesEvaluationsDetailEverythingReachableFocusVisible()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
        await Federation.WaitUntilFinalAsync(submitted.Id, cts.Token);
        await using var context = await Federation.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard/nodes");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));

        // Sign in: the skip link comes first, then the token field, then the button.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("API token")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(Federation.ViewerToken);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/nodes$"));

        await EverythingReachableAsync(page, "nodes");
        await TabToAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Evaluations", Exact = true }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/evaluations$"));

        await EverythingReachableAsync(page, "evaluations");
        await TabToAsync(page, page.Locator($"tr[data-evaluation='{submitted.Id}'] a"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"/dashboard/evaluations/{submitted.Id}$"));
        await Expect(page.Locator("#results")).ToBeVisibleAsync();

        await EverythingReachableAsync(page, "evaluation");
        await DashboardPages.ScreenshotAsync(page, "06-keyboard-focus");
    }

    [Test]
    public async Task Keyboard_EntityRecognitionResults_EverySchemeChartAndTableReachableFocusVisible()
    {
        await using var viewer = await SignedInPageAsync();
        var page = viewer.Page;
        // The page the coordinator renders for a hand-made NER result, loaded on the coordinator's origin so that its
        // own stylesheet and script apply (the sign-in page runs no live script that could replace it).
        await page.GotoAsync("/dashboard/login");
        await page.SetContentAsync(NerSamples.RenderRealisticPage());
        await Expect(page.Locator("svg.entity-bars")).ToHaveCountAsync(4);

        await EverythingReachableAsync(page, "entity recognition results");

        // Each chart's table opens from the keyboard.
        var summary = page.Locator("#entities details summary").First;
        await TabToAsync(page, summary);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#entities table.entity-table").First).ToBeVisibleAsync();
        // The open table may scroll sideways: its region is the next stop after the summary, with an outline.
        await page.Keyboard.PressAsync("Tab");
        var region = page.Locator("#entities details .table-wrap").First;
        await Expect(region).ToBeFocusedAsync();
        (await region.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle")).Should().NotBe("none");
        await DashboardPages.ScreenshotAsync(page, "09-evaluation-ner-sample");
        await DashboardPages.ScreenshotAsync(page.Locator("#entities figure[data-scheme='partial']"), "10-entity-bars-partial");
    }

    /// <summary>
    /// Tabs from the top of the page to the end and checks that every visible link, button, field and select was
    /// focused on the way, each with a visible focus indicator (an outline at least 2 px wide).
    /// </summary>
    private static async Task EverythingReachableAsync(IPage page, string name)
    {
        var expected = await page.EvaluateAsync<int>(
            """
            () => {
              const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
                .filter(e => !e.disabled && e.getClientRects().length > 0 || e.classList.contains('skip-link'))
                // Inside a closed <details> only its summary can take the focus (Chromium still lays the rest out).
                .filter(e => e.matches('summary') || !e.closest('details:not([open])'));
              all.forEach((e, i) => e.setAttribute('data-kb', String(i)));
              document.activeElement?.blur();
              return all.length;
            }
            """);
        expected.Should().BeGreaterThan(0);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var invisible = new List<string>();
        for (var press = 0; press < expected + 10; press++)
        {
            await page.Keyboard.PressAsync("Tab");
            var stop = await page.EvaluateAsync<FocusStop?>(
                """
                () => {
                  const e = document.activeElement;
                  if (!e || e === document.body) return null;
                  const style = getComputedStyle(e);
                  return { Id: e.getAttribute('data-kb') ?? '', Text: (e.textContent || e.getAttribute('aria-label') || e.name || e.tagName).trim().slice(0, 60),
                           Visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
                }
                """);
            if (stop is null || !reached.Add(stop.Id))
            {
                break;
            }

            if (!stop.Visible)
            {
                invisible.Add(stop.Text);
            }
        }

        var missing = await page.EvaluateAsync<string[]>(
            "(reached) => [...document.querySelectorAll('[data-kb]')].filter(e => !reached.includes(e.getAttribute('data-kb'))).map(e => e.outerHTML.slice(0, 120))",
            reached.ToArray());
        missing.Should().BeEmpty($"every control of the {name} page should be reachable with Tab");
        invisible.Should().BeEmpty($"every focused control of the {name} page should show a focus outline");
    }

    /// <summary>Presses Tab from the top of the page until <paramref name="target"/> has the focus.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        await page.EvaluateAsync("() => document.activeElement?.blur()");
        for (var press = 0; press < 200; press++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached {target}.");
    }

    private sealed class FocusStop
    {
        public string Id { get; set; } = "";

        public string Text { get; set; } = "";

        public bool Visible { get; set; }
    }
}
