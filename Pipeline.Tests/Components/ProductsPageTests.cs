using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Web.Components.Pages;

namespace Pipeline.Tests.Components;

/// <summary>/products and /products/{id} over the real SQLite product store.</summary>
public sealed class ProductsPageTests : MudTestContext
{
    private readonly PageBackends _backends = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    private async Task SeedAsync()
    {
        var products = Enumerable.Range(1, 30).Select(i =>
            PageBackends.Product("dummyjson", i, $"Item {i:00}", i % 3 == 0 ? "laptops" : "phones", 100 + i)).ToList();
        products.Add(PageBackends.Product("fakestore", 1, "Cotton shirt", "clothing", 15.5m));
        products.Add(PageBackends.Product("fakestore", 2, "Silk shirt", "clothing", 9.99m));
        await _backends.UpsertAsync(products, "run-1", DateTimeOffset.UtcNow.AddHours(-2));
    }

    private IRenderedComponent<Products> RenderProducts(string uri = "/products")
    {
        Services.AddSingleton<IProductStore>(_backends.Store);
        return this.RenderAt<Products>(uri);
    }

    private static List<string> Titles(IRenderedComponent<Products> page) =>
        page.FindAll("#products-table tbody tr a[data-product-id]").Select(a => a.TextContent.Trim()).ToList();

    [Fact]
    public async Task Shows_the_first_page_and_a_next_link_that_keeps_the_paging_state_in_the_url()
    {
        await SeedAsync();
        var page = RenderProducts();

        await page.WaitForAssertionAsync(() => Assert.Equal(Products.PageSize, Titles(page).Count));
        Assert.Equal("Cotton shirt", Titles(page)[0]);
        Assert.True(page.Find("#products-previous").HasAttribute("disabled"));
        Assert.False(page.Find("#products-next").HasAttribute("disabled"));

        page.Find("#products-next").Click();

        var uri = new Uri(Services.GetRequiredService<NavigationManager>().Uri);
        Assert.Equal("/products", uri.AbsolutePath);
        var token = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query)["page"].ToString();
        Assert.False(string.IsNullOrEmpty(token));

        // The address alone brings back that page: 32 products, 25 on the first, 7 on the second.
        var second = this.RenderAt<Products>(uri.PathAndQuery);
        await second.WaitForAssertionAsync(() => Assert.Equal(7, Titles(second).Count));
        Assert.True(second.Find("#products-next").HasAttribute("disabled"));
        Assert.False(second.Find("#products-previous").HasAttribute("disabled"));
        Assert.DoesNotContain("Cotton shirt", Titles(second));
    }

    [Fact]
    public async Task Shows_the_total_for_the_source_and_prices_in_dollars()
    {
        await SeedAsync();
        var page = RenderProducts();
        await page.WaitForAssertionAsync(() => Assert.Equal("32 products", page.Find("#products-total").TextContent.Trim()));
        Assert.Equal("$101.00", page.Find("#products-table tbody tr [data-price='101']").TextContent.Trim());

        var fakestore = this.RenderAt<Products>("/products?source=fakestore&category=clothing");
        await fakestore.WaitForAssertionAsync(() =>
            Assert.Equal("2 products in fakestore (before the category and search filters)", fakestore.Find("#products-total").TextContent.Trim()));
    }

    [Fact]
    public async Task Filters_by_source_and_category_searches_titles_and_sorts_by_price()
    {
        await SeedAsync();
        var page = RenderProducts("/products?source=fakestore&sort=price");
        await page.WaitForAssertionAsync(() => Assert.Equal(["Silk shirt", "Cotton shirt"], Titles(page)));

        var laptops = this.RenderAt<Products>("/products?source=dummyjson&category=laptops&sort=-price");
        await laptops.WaitForAssertionAsync(() => Assert.Equal(10, Titles(laptops).Count));
        Assert.Equal("Item 30", Titles(laptops)[0]);
        Assert.Equal("Item 03", Titles(laptops)[^1]);

        var search = this.RenderAt<Products>("/products?q=SILK");
        await search.WaitForAssertionAsync(() => Assert.Equal(["Silk shirt"], Titles(search)));
    }

    [Fact]
    public async Task Changing_a_filter_starts_again_from_the_first_page()
    {
        await SeedAsync();
        var page = RenderProducts("/products?page=whatever&sort=price");
        await page.WaitForAssertionAsync(() => Assert.Contains("no longer valid", page.Find("#products-error").TextContent));

        page.Find("input#filter-search").Input("shirt");
        page.Find("input#filter-search").KeyUp(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });

        var uri = Services.GetRequiredService<NavigationManager>().Uri;
        Assert.Contains("q=shirt", uri);
        Assert.Contains("sort=price", uri);
        Assert.DoesNotContain("page=", uri);
    }

    [Fact]
    public async Task Says_so_when_there_are_no_products()
    {
        var page = RenderProducts();
        await page.WaitForAssertionAsync(() => Assert.Contains("No products yet", page.Find("#products-empty").TextContent));

        var filtered = this.RenderAt<Products>("/products?q=nothing%20like%20this");
        await filtered.WaitForAssertionAsync(() => Assert.Contains("No products match these filters.", filtered.Find("#products-empty").TextContent));
    }

    [Fact]
    public async Task Shows_loading_until_the_store_answers()
    {
        await SeedAsync();
        var (gated, gate) = Gate<IProductStore>.Around(_backends.Store);
        Services.AddSingleton(gated);
        var page = this.RenderAt<Products>("/products");

        Assert.NotNull(page.Find("#products-loading"));
        Assert.Empty(Titles(page));

        gate.SetResult();
        await page.WaitForAssertionAsync(() => Assert.Equal(Products.PageSize, Titles(page).Count));
        Assert.Empty(page.FindAll("#products-loading"));
    }

    [Fact]
    public async Task Shows_the_store_error()
    {
        Services.AddSingleton<IProductStore>(new SqliteProductStore(new SqliteDatabase(_backends.CorruptFile("broken.db"))));
        var page = Render<Products>();

        await page.WaitForAssertionAsync(() => Assert.Contains("Products could not be read", page.Find("#products-error").TextContent));
        Assert.Contains("not a database", page.Find("#products-error").TextContent);
    }

    [Fact]
    public async Task A_product_shows_its_facts_and_its_price_history()
    {
        var first = DateTimeOffset.UtcNow.AddHours(-3);
        await _backends.UpsertAsync([PageBackends.Product("dummyjson", 7, "Phone X", "phones", 100m)], "run-a", first);
        await _backends.UpsertAsync([PageBackends.Product("dummyjson", 7, "Phone X", "phones", 90m)], "run-b", first.AddHours(1));
        await _backends.UpsertAsync([PageBackends.Product("dummyjson", 7, "Phone X", "phones", 99m)], "run-c", first.AddHours(2));
        Services.AddSingleton<IProductStore>(_backends.Store);

        var page = Render<ProductDetail>(p => p.Add(x => x.Id, "dummyjson:7"));

        await page.WaitForAssertionAsync(() => Assert.Equal(3, page.FindAll("#price-history-table tbody tr").Count));
        Assert.Equal("Phone X", page.Find("#product-title").TextContent);
        Assert.Equal("99", page.Find("[data-price]").GetAttribute("data-price"));
        var rows = page.FindAll("#price-history-table tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains("$99.00", rows[0]);
        Assert.Contains("+10.0 %", rows[0]);
        Assert.Contains("run-c", rows[0]);
        Assert.Contains("-10.0 %", rows[1]);
        Assert.Equal("$99.00", page.Find("[data-price]").TextContent.Trim());
        Assert.Contains("3 h ago", page.Find("#product-facts").TextContent); // first seen, relative (absolute on hover)
        Assert.Contains("first seen", rows[2]);
        Assert.NotEmpty(page.FindAll("#price-history-chart svg"));
    }

    [Fact]
    public void The_price_line_steps_at_each_change_and_holds_until_now()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var series = ProductDetail.PriceSeries([new PricePoint(10m, t0, "a"), new PricePoint(8m, t0.AddHours(1), "b")]);

        var points = Assert.Single(series).Data.Values.ToList();
        Assert.Equal([10d, 10d, 8d, 8d], points);
    }

    [Fact]
    public async Task A_product_page_has_loading_missing_and_error_states()
    {
        var (gated, gate) = Gate<IProductStore>.Around(_backends.Store);
        Services.AddSingleton(gated);
        var page = Render<ProductDetail>(p => p.Add(x => x.Id, "dummyjson:404"));
        Assert.NotNull(page.Find("#product-loading"));
        gate.SetResult();
        await page.WaitForAssertionAsync(() => Assert.Contains("There is no product with id dummyjson:404", page.Find("#product-missing").TextContent));

        await using var broken = new SeparateMudContext();
        broken.Services.AddSingleton<IProductStore>(new SqliteProductStore(new SqliteDatabase(_backends.CorruptFile("broken.db"))));
        var failed = broken.Render<ProductDetail>(p => p.Add(x => x.Id, "dummyjson:1"));
        await failed.WaitForAssertionAsync(() => Assert.Contains("The product could not be read", failed.Find("#product-error").TextContent));
    }
}

/// <summary>A second, independent bUnit context inside one test (its own services).</summary>
public sealed class SeparateMudContext : MudTestContext;
