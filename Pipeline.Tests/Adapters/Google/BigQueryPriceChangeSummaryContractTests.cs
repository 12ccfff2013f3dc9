using System.Text.Json.Nodes;
using Pipeline.Adapters.Google;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// The price-change summary contract on the BigQuery warehouse against the fake server (DuckDB underneath runs the
/// generated GoogleSQL); every request is checked against the discovery document.
/// </summary>
public sealed class BigQueryPriceChangeSummaryContractTests : PriceChangeSummaryContractTests
{
    private BigQueryTestHost? _host;
    private BigQueryWarehouse? _warehouse;

    protected override async Task<IWarehouse> CreateWarehouseAsync()
    {
        _host = await BigQueryTestHost.StartAsync();
        _warehouse = new BigQueryWarehouse(_host.Client, Microsoft.Extensions.Options.Options.Create(_host.Options),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<BigQueryWarehouse>.Instance, Clock);
        await _warehouse.EnsureSchemaAsync(CancellationToken.None);
        return _warehouse;
    }

    public override async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    [Fact]
    public async Task One_parameterised_query_per_summary_with_the_window_as_utc_timestamps()
    {
        var before = _host!.Server.RequestsFor("bigquery.jobs.query").Count;

        await _warehouse!.PriceChangeSummaryAsync("synthetic", TimeSpan.FromHours(30), PriceChangeBucket.Hour, CancellationToken.None);

        var request = Assert.Single(_host.Server.RequestsFor("bigquery.jobs.query").Skip(before)).Json()!;
        var query = (string)request["query"]!;
        Assert.Contains("COUNTIF(new_price < old_price) AS drops", query);
        Assert.Contains("EXTRACT(HOUR FROM observed_at) AS bucket_hour", query);
        Assert.False((bool)request["useLegacySql"]!);
        var parameters = request["queryParameters"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => p!);
        Assert.Equal(["since", "source", "until"], parameters.Keys.Order());
        Assert.Equal(("TIMESTAMP", "2025-05-09 06:00:00.000000+00:00"), Typed(parameters["since"])); // 12:30 - 30 h, to its hour
        Assert.Equal(("TIMESTAMP", "2025-05-10 12:30:00.000000+00:00"), Typed(parameters["until"]));
        Assert.Equal(("STRING", "synthetic"), Typed(parameters["source"]));
        _host.Server.AssertConformant();
    }

    private static (string?, string?) Typed(JsonNode parameter) =>
        ((string?)parameter["parameterType"]!["type"], (string?)parameter["parameterValue"]!["value"]);
}
