namespace Partages.Dashboard.Tests.Infrastructure;

/// <summary>
/// What every test against the started federation shares: the federation itself, one test at a time (they share its
/// nodes, which run one job at a time), the time-out, and a browser page signed in as the viewer.
/// </summary>
[NonParallelizable]
public abstract class BrowserTest
{
    protected static DashboardFederation Federation => DashboardFederation.Current;

    /// <summary>The time one test may take, as a token source to dispose.</summary>
    protected static CancellationTokenSource TestTimeout() => new(DashboardFederation.Timeout);

    /// <summary>A fresh browser context (no cookies) with one page, signed in with the viewer token, on the nodes page.</summary>
    protected static async Task<ViewerPage> SignedInPageAsync()
    {
        var context = await Federation.NewContextAsync();
        var page = await context.NewPageAsync();
        await DashboardPages.LogInAsync(page, Federation.ViewerToken);
        return new ViewerPage(context, page);
    }
}

/// <summary>A signed-in page; disposing it closes its browser context.</summary>
public sealed class ViewerPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
