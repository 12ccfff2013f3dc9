using System.Reflection;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Components;
using Pipeline.Web.Components.Pages;

namespace Pipeline.Tests.Security;

/// <summary>
/// Pages that fail to read a backend say what failed, never where on the server: the raw zone's errors (a folder's
/// exception names its absolute path) show the relative key prefix only.
/// </summary>
public sealed class RequestHardeningPageTests : MudTestContext
{
    private const string ServerPath = "/srv/pipeline/.data/rawzone/raw/source=dummyjson";
    private readonly PageBackends _backends = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    [Fact]
    public async Task The_raw_page_shows_no_server_path_when_the_raw_zone_cannot_be_read()
    {
        var run = await _backends.AddRunAsync("dummyjson");
        var date = run.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd");
        Services.AddSingleton(FailingRawZone.Create($"Access to the path '{ServerPath}' is denied."));
        Services.AddSingleton<IRunStore>(_backends.Runs);
        Services.AddSingleton<IProductStore>(_backends.Store);
        Services.AddRawPageServices();

        var list = this.RenderAt<RawZone>($"/raw?source=dummyjson&date={date}&run={run.RunId}");
        await list.WaitForAssertionAsync(() => Assert.NotNull(list.Find("#raw-error")));
        var (listed, listMarkup) = (list.Find("#raw-error").TextContent, list.Markup);
        var preview = this.RenderAt<RawZone>($"/raw?source=dummyjson&date={date}&run={run.RunId}&key={Uri.EscapeDataString($"raw/source=dummyjson/dt={date}/run={run.RunId}/page-000000.json")}");
        await preview.WaitForAssertionAsync(() => Assert.NotNull(preview.Find("#raw-error")));

        Assert.Contains($"could not be listed under raw/source=dummyjson/dt={date}/run={run.RunId}/", listed);
        Assert.Contains("could not be read", preview.Find("#raw-error").TextContent);
        Assert.DoesNotContain("/srv/", listMarkup);
        Assert.DoesNotContain("/srv/", preview.Markup);
    }

    /// <summary>A raw zone whose every call fails as a folder raw zone without access does: the message names the absolute path.</summary>
    public class FailingRawZone : DispatchProxy
    {
        private string _message = "";

        public static IRawZone Create(string message)
        {
            var proxy = Create<IRawZone, FailingRawZone>();
            ((FailingRawZone)(object)proxy)._message = message;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args) => throw new UnauthorizedAccessException(_message);
    }
}
