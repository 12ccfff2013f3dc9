using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Adapters.Google;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>A token source that always answers the same token (what the fake server expects).</summary>
public sealed class FixedAccessTokenSource(string token) : IBigQueryAccessTokenSource
{
    public int Calls { get; private set; }

    public ValueTask<string> GetAccessTokenAsync(CancellationToken ct)
    {
        Calls++;
        return ValueTask.FromResult(token);
    }
}

/// <summary>A clock that stands still until moved.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>The fake BigQuery server plus a client and a warehouse pointed at it.</summary>
public sealed class BigQueryTestHost : IAsyncDisposable
{
    private readonly HttpClient _http = new();

    private BigQueryTestHost(FakeBigQueryServer server, BigQueryOptions options, FixedTimeProvider clock)
    {
        Server = server;
        Options = options;
        Clock = clock;
        Tokens = new FixedAccessTokenSource(FakeBigQueryServer.Token);
        Client = new BigQueryClient(_http, Tokens, Microsoft.Extensions.Options.Options.Create(options), NullLogger<BigQueryClient>.Instance, clock);
        Warehouse = new BigQueryWarehouse(Client, Microsoft.Extensions.Options.Options.Create(options), NullLogger<BigQueryWarehouse>.Instance, clock);
    }

    public FakeBigQueryServer Server { get; }
    public BigQueryOptions Options { get; }
    public FixedTimeProvider Clock { get; }
    public FixedAccessTokenSource Tokens { get; }
    public BigQueryClient Client { get; }
    public BigQueryWarehouse Warehouse { get; }

    public static async Task<BigQueryTestHost> StartAsync(Action<BigQueryOptions>? configure = null)
    {
        var server = await FakeBigQueryServer.StartAsync();
        var options = new BigQueryOptions
        {
            ProjectId = FakeBigQueryServer.Project,
            DatasetId = "pipeline",
            Location = "EU",
            BaseUrl = server.BaseUrl.ToString(),
            UploadBaseUrl = server.UploadBaseUrl.ToString(),
            JobPollInterval = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        var clock = new FixedTimeProvider(new DateTimeOffset(2025, 5, 3, 8, 0, 0, TimeSpan.Zero));
        server.Clock = clock; // tables are created at the warehouse's time
        return new BigQueryTestHost(server, options, clock);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Server.DisposeAsync();
    }
}
