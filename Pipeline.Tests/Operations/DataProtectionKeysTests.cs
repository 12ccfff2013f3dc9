using System.Net;
using Pipeline.Tests.Adapters.Local;
using Pipeline.Tests.Support;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Operations;

/// <summary>
/// The data-protection keys live with the data (<c>&lt;DataDirectory&gt;/keys</c>), not in the user profile: a real
/// process (<c>dotnet Pipeline.Web.dll</c>) signed in to, killed and started again with another HOME on the same data
/// directory still accepts the session cookie it issued. Development, so the cookies are not Secure-only over plain HTTP.
/// </summary>
public sealed class DataProtectionKeysTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Root => _folder.Path;

    private string DataDirectory => Path.Combine(Root, "data");

    private Task<PipelineProcess> StartAsync(string home)
    {
        Directory.CreateDirectory(Path.Combine(Root, home));
        return PipelineProcess.StartAsync(DataDirectory, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["HOME"] = Path.Combine(Root, home),
            ["DOTNET_CLI_HOME"] = Path.Combine(Root, home),
        });
    }

    [Fact]
    public async Task A_session_survives_a_restart_with_another_home_because_the_keys_are_in_the_data_directory()
    {
        var cookies = new CookieContainer();
        Uri firstAddress;
        await using (var first = await StartAsync("home-1"))
        {
            firstAddress = first.BaseAddress;
            await DashboardSession.SignInAsync(first.BaseAddress, cookies);
            Assert.Equal(HttpStatusCode.OK, await DashboardSession.PageStatusAsync(first.BaseAddress, cookies));
            await first.KillAsync();
        }
        var keys = Directory.GetFiles(Path.Combine(DataDirectory, DataProtectionRegistration.KeysFolder), "key-*.xml");
        Assert.NotEmpty(keys);
        Assert.False(Directory.Exists(Path.Combine(Root, "home-1", ".aspnet", "DataProtection-Keys")), "keys were written to the profile");

        await using var second = await StartAsync("home-2");
        // The cookie was issued for the first port; the same host answers on another: carry the cookies over.
        Assert.Equal(HttpStatusCode.OK, await DashboardSession.PageStatusAsync(second.BaseAddress, cookies.CarriedTo(firstAddress, second.BaseAddress)));
        Assert.Equal(HttpStatusCode.Redirect, await DashboardSession.PageStatusAsync(second.BaseAddress, new CookieContainer())); // signed out: sent to sign in
        Assert.Equal(keys.Order(), Directory.GetFiles(Path.Combine(DataDirectory, DataProtectionRegistration.KeysFolder), "key-*.xml").Order());
    }
}
