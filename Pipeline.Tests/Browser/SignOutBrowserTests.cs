using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>
/// Signing out ends the session for every open tab: in a real browser, a second tab of the same browser, and a tab in
/// another browser after "sign out everywhere", end on the sign-in page on their own (their circuits revalidate the
/// session every second here), without being reloaded.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class SignOutBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private BrowserHost _host = null!;
    private readonly List<IBrowserContext> _contexts = [];

    public async Task InitializeAsync() =>
        _host = await BrowserHost.StartAsync(new Dictionary<string, string?> { ["Pipeline:Security:SignIn:CircuitRevalidationSeconds"] = "1" });

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        await _host.DisposeAsync();
    }

    [GeneratedRegex("/account/sign-in")]
    private static partial Regex SignInPage();

    /// <summary>A new browser (its own cookies) with one tab signed in as the admin.</summary>
    private async Task<IPage> SignedInPageAsync()
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await DashboardSignIn.SignInAsync(page, _host.BaseUrl);
        return page;
    }

    /// <summary>Another tab of the same browser (its cookies), open at /runs with the signed-in layout live.</summary>
    private async Task<IPage> SecondTabAsync(IPage first)
    {
        var tab = await first.Context.NewPageAsync();
        tab.SetDefaultTimeout(30_000);
        await tab.GotoAsync(_host.BaseUrl + "/runs", new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(tab.Locator("#signed-in-user")).ToHaveTextAsync(PipelineAppFactory.AdminUserName, new() { Timeout = 60_000 });
        return tab;
    }

    [Fact]
    public async Task An_open_tab_goes_to_the_sign_in_page_when_another_tab_signs_out()
    {
        var first = await SignedInPageAsync();
        var second = await SecondTabAsync(first);

        await first.Locator("#sign-out").ClickAsync();

        await Assertions.Expect(first).ToHaveURLAsync(SignInPage());
        await Assertions.Expect(second).ToHaveURLAsync(SignInPage());
        await Assertions.Expect(second.Locator("#sign-in")).ToBeVisibleAsync();
        await Assertions.Expect(second.Locator("#signed-in-user")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_the_tabs_of_another_browser()
    {
        var here = await SignedInPageAsync();
        var elsewhere = await SignedInPageAsync(); // its own context: another browser's cookie
        await elsewhere.GotoAsync(_host.BaseUrl + "/runs", new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(elsewhere.Locator("#signed-in-user")).ToHaveTextAsync(PipelineAppFactory.AdminUserName, new() { Timeout = 60_000 });

        await here.Locator("#sign-out-everywhere").ClickAsync();

        await Assertions.Expect(here).ToHaveURLAsync(SignInPage());
        await Assertions.Expect(elsewhere).ToHaveURLAsync(SignInPage());
        await Assertions.Expect(elsewhere.Locator("#sign-in")).ToBeVisibleAsync();
    }
}
