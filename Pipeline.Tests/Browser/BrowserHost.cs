using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>
/// The real host for a browser test: Kestrel on 127.0.0.1 (an ephemeral port), the embedded backends on a fresh data
/// directory, the HTTP sources pointed at a <see cref="FixtureCatalogServer"/>, an API client, and pages signed in as
/// the admin.
/// </summary>
public sealed class BrowserHost : IAsyncDisposable
{
    private BrowserHost(FixtureCatalogServer catalog, PipelineAppFactory app)
    {
        Catalog = catalog;
        App = app;
        BaseUrl = app.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        Api = app.CreateApiClient();
    }

    private readonly List<IBrowserContext> _contexts = [];

    public FixtureCatalogServer Catalog { get; }
    public PipelineAppFactory App { get; }
    public HttpClient Api { get; }
    public string BaseUrl { get; }

    public static async Task<BrowserHost> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        // Pages that read the warehouse take a moment on a busy 2-core machine; waiting longer never makes a check pass wrongly.
        Assertions.SetDefaultExpectTimeout(30_000);
        var catalog = await FixtureCatalogServer.StartAsync();
        var app = new PipelineAppFactory(catalog, settings) { ConfigureServices = services };
        app.UseKestrel(0);
        app.StartServer();
        return new BrowserHost(catalog, app);
    }

    /// <summary>A new page (its own cookies), not signed in.</summary>
    public static async Task<IPage> NewPageAsync(IBrowser browser, int width = 1366, int height = 900)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>
    /// A new page (its own cookies), not signed in, closed with this host: a page left open keeps its circuit trying to
    /// reconnect to a host that is gone, and the browser, shared by every test of the collection, slows with each one.
    /// </summary>
    public async Task<IPage> PageAsync(IBrowser browser, int width = 1366, int height = 900)
    {
        var page = await NewPageAsync(browser, width, height);
        lock (_contexts) _contexts.Add(page.Context);
        return page;
    }

    /// <summary>A new page signed in as the admin, at <paramref name="path"/>, closed with this host.</summary>
    public async Task<IPage> OpenAsync(IBrowser browser, string path, int width = 1366, int height = 900)
    {
        var page = await PageAsync(browser, width, height);
        await DashboardSignIn.SignInAsync(page, BaseUrl);
        if (path != "/") await page.GotoAsync(BaseUrl + path);
        return page;
    }

    /// <summary>Fails when the document is wider than the viewport (the page scrolls sideways).</summary>
    public static async Task AssertNoSidewaysScrollAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"{what}: the page is {widths[0]} px wide in a {widths[1]} px viewport");
    }

    /// <summary>
    /// Table labels stay whole words: the phone-card labels of every table ("Message", "Page / object") and header
    /// cells (a column's name, a row's label) may not break mid-word.
    /// </summary>
    public static async Task AssertLabelsUnbrokenAsync(IPage page, string what)
    {
        var broken = await page.EvaluateAsync<string[]>("""
            () => [
                ...[...document.querySelectorAll('.mud-table td[data-label]')]
                    .filter(td => getComputedStyle(td, '::before').whiteSpace !== 'nowrap')
                    .map(td => td.dataset.label),
                ...[...document.querySelectorAll('th')]
                    .filter(th => getComputedStyle(th).overflowWrap === 'anywhere' && getComputedStyle(th).whiteSpace !== 'nowrap')
                    .map(th => th.textContent.trim()),
            ]
            """);
        Assert.True(broken.Length == 0, $"{what}: labels that may break mid-word: {string.Join(", ", broken.Distinct())}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        Api.Dispose();
        await App.DisposeAsync();
        await Catalog.DisposeAsync();
    }
}
