namespace Partages.Dashboard.Tests.Browser;

/// <summary>
/// The browser tests' one failure when they have no browser: the set-up fixture installs Chromium when it can
/// (<see cref="ChromiumProvisioner"/>); when it cannot, this test fails with what is missing and how to install it,
/// and every test that needs the browser is skipped rather than failing with the same stack trace.
/// </summary>
public sealed class BrowserTests
{
    [Test]
    public void Chromium_ProvisionedBeforeTheBrowserTests_IsAvailable()
    {
        var chromium = DashboardFederation.Current.Chromium;

        if (chromium.Problem is { } problem)
        {
            Assert.Fail(problem);
        }
    }
}
