using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Google;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>The DI registration binds configuration, validates it, and yields a working warehouse.</summary>
public sealed class BigQueryRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, bool fixedToken = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        if (fixedToken) services.AddSingleton<IBigQueryAccessTokenSource>(new FixedAccessTokenSource(FakeBigQueryServer.Token));
        services.AddBigQueryWarehouse();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public async Task Configuration_section_wires_a_warehouse_that_talks_to_the_configured_endpoint()
    {
        await using var server = await FakeBigQueryServer.StartAsync();
        await using var provider = Build(new()
        {
            ["Pipeline:Warehouse:BigQuery:ProjectId"] = FakeBigQueryServer.Project,
            ["Pipeline:Warehouse:BigQuery:DatasetId"] = "analytics",
            ["Pipeline:Warehouse:BigQuery:Location"] = "EU",
            ["Pipeline:Warehouse:BigQuery:BaseUrl"] = server.BaseUrl.ToString(),
            ["Pipeline:Warehouse:BigQuery:UploadBaseUrl"] = server.UploadBaseUrl.ToString(),
            ["Pipeline:Warehouse:BigQuery:JobPollInterval"] = "00:00:00",
        });

        var warehouse = provider.GetRequiredService<IWarehouse>();
        Assert.Equal("BigQuery", warehouse.ProviderName);
        await warehouse.EnsureSchemaAsync(CancellationToken.None);

        Assert.Equal(["price_observations", "products"], server.TableIds("analytics"));
        server.AssertConformant();
    }

    [Fact]
    public void Missing_project_fails_validation_with_a_clear_message()
    {
        using var provider = Build(new() { ["Pipeline:Warehouse:BigQuery:DatasetId"] = "analytics" });
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BigQueryOptions>>().Value);
        Assert.Contains("ProjectId", ex.Message);
    }

    [Fact]
    public void Without_an_override_tokens_come_from_google_credentials()
    {
        using var provider = Build(new() { ["Pipeline:Warehouse:BigQuery:ProjectId"] = "my-project" }, fixedToken: false);
        Assert.IsType<GoogleAccessTokenSource>(provider.GetRequiredService<IBigQueryAccessTokenSource>());
    }
}
