using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>Signs a Playwright page in to the dashboard with the test admin of <see cref="PipelineAppFactory"/>.</summary>
public static class DashboardSignIn
{
    /// <summary>
    /// Opens the sign-in page, submits the admin's credentials and waits for the overview (the interactive dashboard) to
    /// be live. The page's context keeps the cookie, so later navigations in it are signed in.
    /// </summary>
    public static async Task SignInAsync(IPage page, string baseUrl, string returnUrl = "/")
    {
        await page.GotoAsync($"{baseUrl.TrimEnd('/')}/account/sign-in?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.Locator("#user-name").FillAsync(PipelineAppFactory.AdminUserName);
        await page.Locator("#password").FillAsync(PipelineAppFactory.AdminPassword);
        await page.Locator("#sign-in").ClickAsync();
        // The redirect and the page's load, then the circuit rendering the signed-in layout: generous deadlines, as a
        // loaded machine may take a while (CI once took over 30 s to fire the load event here).
        // The navigation's commit is enough: the signed-in layout below is what proves the page live (a load event held up
        // by a slow asset on a busy machine proves nothing more).
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == returnUrl.Split('?')[0], new() { Timeout = 60_000, WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page.Locator("#signed-in-user")).ToHaveTextAsync(PipelineAppFactory.AdminUserName, new() { Timeout = 60_000 });
    }
}
