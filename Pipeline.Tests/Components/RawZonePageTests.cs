using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Web.Components.Pages;
using Pipeline.Web.Components.Shared;

namespace Pipeline.Tests.Components;

/// <summary>/raw over the real folder raw zone and SQLite stores.</summary>
public sealed class RawZonePageTests : MudTestContext
{
    private readonly PageBackends _backends = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    private void UseBackends(IRunStore? runs = null)
    {
        Services.AddSingleton<IRawZone>(_backends.RawZone);
        Services.AddSingleton(runs ?? _backends.Runs);
        Services.AddSingleton<IProductStore>(_backends.Store);
        Services.AddRawPageServices();
    }

    private async Task<(IngestionRun Run, string Key)> SeedAsync()
    {
        var run = await _backends.AddRunAsync("dummyjson", RunStatus.PartiallySucceeded);
        var key = await _backends.PutPageAsync(run, 0,
            """{"products":[{"id":1,"title":"<script>alert('x')</script><b>bold</b>","price":9.5}],"total":1,"skip":0,"limit":1}""");
        await _backends.PutPageAsync(run, 1, """{"products":[],"total":1,"skip":30,"limit":0}""");
        await _backends.Store.AddRejectionsAsync(
        [
            new Rejection { RunId = run.RunId, Source = "dummyjson", RawKey = key, RecordIndex = 0, SourceId = "1", Reason = "price is missing", RejectedAt = DateTimeOffset.UtcNow },
        ], CancellationToken.None);
        return (run, key);
    }

    [Fact]
    public async Task Browses_by_source_then_date_then_run_down_to_the_objects()
    {
        var (run, _) = await SeedAsync();
        UseBackends();
        var date = run.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd");

        var top = this.RenderAt<RawZone>("/raw");
        await top.WaitForAssertionAsync(() => Assert.NotNull(top.Find("#raw-sources [data-source=dummyjson]")));
        Assert.Contains("source=dummyjson", top.Find("#raw-sources [data-source=dummyjson]").GetAttribute("href")!.Replace("%3D", "="));

        var dates = this.RenderAt<RawZone>("/raw?source=dummyjson");
        await dates.WaitForAssertionAsync(() => Assert.NotNull(dates.Find($"#raw-dates [data-date='{date}']")));

        var runs = this.RenderAt<RawZone>($"/raw?source=dummyjson&date={date}");
        await runs.WaitForAssertionAsync(() => Assert.NotNull(runs.Find($"#raw-runs [data-run='{run.RunId}']")));

        var objects = this.RenderAt<RawZone>($"/raw?source=dummyjson&date={date}&run={run.RunId}");
        await objects.WaitForAssertionAsync(() => Assert.Equal(2, objects.FindAll("#raw-objects tbody tr").Count));
        Assert.Equal(["page-000000.json", "page-000001.json"], objects.FindAll("#raw-objects [data-key]").Select(a => a.TextContent.Trim()));
        Assert.Contains("price is missing", objects.Find("#raw-rejections [data-reason]").TextContent);
    }

    [Fact]
    public async Task Previews_a_page_pretty_printed_and_encoded_never_as_markup()
    {
        var (run, key) = await SeedAsync();
        UseBackends();

        var page = this.RenderAt<RawZone>($"/raw?source=dummyjson&run={run.RunId}&key={Uri.EscapeDataString(key)}");

        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("#raw-preview-text")));
        var text = page.Find("#raw-preview-text").TextContent;
        Assert.Contains("\"products\": [", text);
        Assert.Contains("\n", text);
        Assert.Contains("<script>alert('x')</script>", text); // shown as text…
        Assert.Empty(page.FindAll("#raw-preview script"));    // …never as an element
        Assert.Empty(page.FindAll("#raw-preview b"));
        Assert.Contains("&lt;script&gt;", page.Find("#raw-preview-text").InnerHtml);
        Assert.Contains(run.RunId, page.Find("#raw-preview").TextContent);
    }

    [Fact]
    public async Task A_click_on_an_object_shows_its_preview_beside_the_list_and_scrolls_to_it()
    {
        var (run, key) = await SeedAsync();
        UseBackends();
        var date = run.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd");
        var page = this.RenderAt<RawZone>($"/raw?source=dummyjson&date={date}&run={run.RunId}");
        await page.WaitForAssertionAsync(() => Assert.Equal(2, page.FindAll("#raw-objects tbody tr").Count));
        Assert.Empty(page.FindAll("#raw-preview"));

        page.FindAll("#raw-objects tbody tr")[0].Click();

        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("#raw-preview-text")));
        Assert.Equal(key, page.Find("#raw-preview-title").TextContent.Trim());
        Assert.Equal(2, page.FindAll("#raw-objects tbody tr").Count); // the list stays where it was
        Assert.Contains("\"products\": [", page.Find("#raw-preview-text").TextContent);
        // The scroll follows the render that shows the preview (after-render), so it is waited for, not assumed.
        await page.WaitForAssertionAsync(() => Assert.Contains(JSInterop.Invocations,
            i => i.Identifier == "mudScrollManager.scrollIntoView" && Equals(i.Arguments[0], "#raw-preview-title")));
    }

    [Fact]
    public void The_preview_is_capped_and_tells_what_it_could_not_format()
    {
        var big = "[" + string.Join(",", Enumerable.Range(0, 20_000).Select(i => $"{{\"id\":{i}}}")) + "]";
        var capped = RawPreview.From(System.Text.Encoding.UTF8.GetBytes(big));
        Assert.True(capped.Truncated);
        Assert.Equal(RawPreview.MaxChars, capped.Text.Length);
        Assert.True(capped.IsJson);

        var broken = RawPreview.From("{\"products\": [1, 2"u8.ToArray());
        Assert.False(broken.IsJson);
        Assert.StartsWith("not valid JSON", broken.Problem);
        Assert.Equal("{\"products\": [1, 2", broken.Text);
    }

    [Fact]
    public async Task A_missing_object_and_an_empty_zone_say_so()
    {
        UseBackends();
        var empty = this.RenderAt<RawZone>("/raw");
        await empty.WaitForAssertionAsync(() => Assert.Contains("No run is recorded", empty.Find("#raw-empty").TextContent));
        Assert.NotNull(empty.Find("#raw-sources [data-source=dummyjson]")); // a copied raw zone can still be replayed
        Assert.NotNull(empty.Find("#raw-rejections-empty"));

        var missing = this.RenderAt<RawZone>("/raw?key=" + Uri.EscapeDataString("raw/source=dummyjson/dt=2026-01-01/run=r1/page-000009.json"));
        await missing.WaitForAssertionAsync(() => Assert.NotNull(missing.Find("#raw-preview-missing")));

        // A key that tries to leave the raw zone is ignored, not read.
        var escape = this.RenderAt<RawZone>("/raw?key=" + Uri.EscapeDataString("raw/../../etc/passwd"));
        await escape.WaitForAssertionAsync(() => Assert.NotNull(escape.Find("#raw-empty")));
        Assert.Empty(escape.FindAll("#raw-preview"));
    }

    [Fact]
    public async Task Shows_loading_then_the_error()
    {
        var broken = new SqliteRunStore(new SqliteDatabase(_backends.CorruptFile("broken.db")));
        var (gated, gate) = Gate<IRunStore>.Around(broken);
        UseBackends(gated);
        var page = this.RenderAt<RawZone>("/raw");

        Assert.NotNull(page.Find("#raw-loading"));
        gate.SetResult();
        await page.WaitForAssertionAsync(() => Assert.Contains("The raw zone could not be read", page.Find("#raw-error").TextContent));
    }
}
