using System.Net;
using System.Text;
using Pipeline.Adapters.Google;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>The REST client against the local fake; every request checked against the discovery document.</summary>
public sealed class BigQueryClientTests : IAsyncLifetime
{
    private BigQueryTestHost _host = null!;

    private FakeBigQueryServer Server => _host.Server;
    private BigQueryClient Client => _host.Client;

    public async Task InitializeAsync() => _host = await BigQueryTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static readonly IReadOnlyList<TableFieldSchema> PeopleFields =
    [
        new() { Name = "name", Type = "STRING", Mode = "REQUIRED" },
        new() { Name = "age", Type = "INT64" },
        new() { Name = "balance", Type = "NUMERIC" },
        new() { Name = "seen_at", Type = "TIMESTAMP" },
    ];

    private JobConfigurationLoad PeopleLoad(string disposition = "WRITE_TRUNCATE") => new()
    {
        DestinationTable = new TableReference(FakeBigQueryServer.Project, "pipeline", "people"),
        Schema = new TableSchema(PeopleFields),
        WriteDisposition = disposition,
        CreateDisposition = "CREATE_IF_NEEDED",
    };

    [Fact]
    public async Task Missing_dataset_is_null_then_created_once_in_the_configured_location()
    {
        Assert.Null(await Client.GetDatasetAsync("pipeline", CancellationToken.None));
        Assert.True(await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None));
        Assert.False(await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None));

        var dataset = await Client.GetDatasetAsync("pipeline", CancellationToken.None);
        Assert.NotNull(dataset);
        Assert.Equal("EU", dataset.Location);
        Assert.Single(Server.RequestsFor("bigquery.datasets.insert"));
        Assert.All(Server.Requests, r => Assert.Equal("Bearer " + FakeBigQueryServer.Token, r.Authorization));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Inserting_an_existing_dataset_surfaces_409_with_googles_reason()
    {
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        var ex = await Assert.ThrowsAsync<BigQueryApiException>(() => Client.InsertDatasetAsync(new DatasetResource
        {
            DatasetReference = new DatasetReference(FakeBigQueryServer.Project, "pipeline"),
        }, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Equal("duplicate", ex.Reason);
        Assert.Equal("ALREADY_EXISTS", ex.Status);
        Assert.Equal("bigquery.datasets.insert", ex.Operation);
        Server.AssertConformant();
    }

    [Fact]
    public async Task Tables_are_created_with_partitioning_and_clustering_and_409_means_already_there()
    {
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        var table = new TableResource
        {
            TableReference = new TableReference(FakeBigQueryServer.Project, "pipeline", "events"),
            Schema = new TableSchema([new() { Name = "id", Type = "STRING" }, new() { Name = "at", Type = "TIMESTAMP", Mode = "REQUIRED" }]),
            TimePartitioning = new TimePartitioning { Type = "DAY", Field = "at", ExpirationMs = 86_400_000 },
            Clustering = new Clustering(["id"]),
        };
        Assert.True(await Client.CreateTableIfMissingAsync(table, CancellationToken.None));
        Assert.False(await Client.CreateTableIfMissingAsync(table, CancellationToken.None));

        var sent = Server.RequestsFor("bigquery.tables.insert")[0].Json()!;
        Assert.Equal("86400000", (string?)sent["timePartitioning"]!["expirationMs"]); // int64 as a JSON string
        Assert.Equal("at", (string?)sent["timePartitioning"]!["field"]);
        Assert.Equal("id", (string?)sent["clustering"]!["fields"]![0]);
        Assert.True(await Client.DeleteTableAsync("pipeline", "events", CancellationToken.None));
        Assert.False(await Client.DeleteTableAsync("pipeline", "events", CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Tables_are_listed_page_by_page_with_their_creation_time()
    {
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        var created = new Dictionary<string, DateTimeOffset>();
        foreach (var (name, i) in new[] { "e", "a", "d", "b", "c" }.Select((n, i) => (n, i)))
        {
            _host.Clock.Now = new DateTimeOffset(2025, 5, 1, 6, i, 0, TimeSpan.Zero);
            created[name] = _host.Clock.Now;
            await Client.CreateTableIfMissingAsync(new TableResource
            {
                TableReference = new TableReference(FakeBigQueryServer.Project, "pipeline", name),
                Schema = new TableSchema([new() { Name = "id", Type = "STRING" }]),
            }, CancellationToken.None);
        }

        var tables = new List<TableListItem>();
        await foreach (var table in Client.ListTablesAsync("pipeline", maxResults: 2, CancellationToken.None)) tables.Add(table);

        Assert.Equal(["a", "b", "c", "d", "e"], tables.Select(t => t.TableReference.TableId));
        Assert.All(tables, t => Assert.Equal(created[t.TableReference.TableId].ToUnixTimeMilliseconds(), t.CreationTime));
        Assert.All(tables, t => Assert.Equal("TABLE", t.Type));
        var pages = Server.RequestsFor("bigquery.tables.list");
        Assert.Equal(3, pages.Count); // 2 + 2 + 1
        Assert.All(pages, p => Assert.Equal("2", p.QueryValue("maxResults")));
        Assert.Null(pages[0].QueryValue("pageToken"));
        Assert.All(pages.Skip(1), p => Assert.NotNull(p.QueryValue("pageToken")));

        var empty = new List<TableListItem>();
        await Client.CreateDatasetIfMissingAsync("other", CancellationToken.None);
        await foreach (var table in Client.ListTablesAsync("other", maxResults: null, CancellationToken.None)) empty.Add(table);
        Assert.Empty(empty);
        Assert.Null(Server.RequestsFor("bigquery.tables.list")[^1].QueryValue("maxResults"));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Load_job_is_a_multipart_upload_polled_from_pending_through_running_to_done()
    {
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        var rows = """
            {"name":"ada","age":36,"balance":12.30,"seen_at":"2025-05-01 06:00:00.000000+00:00"}
            {"name":"alan","age":null,"balance":"7.5","seen_at":null}

            """u8.ToArray();

        var job = await Client.LoadAsync(PeopleLoad(), rows, CancellationToken.None);

        Assert.Equal("DONE", job.Status?.State);
        Assert.Null(job.Status?.ErrorResult);
        var upload = Assert.Single(Server.RequestsFor("bigquery.jobs.insert"));
        Assert.Equal("/upload/bigquery/v2/projects/test-project/jobs", upload.Path);
        Assert.Equal("multipart", upload.QueryValue("uploadType"));
        Assert.StartsWith("multipart/related", upload.ContentType);
        Assert.Equal(rows, upload.Media());
        var load = upload.Json()!["configuration"]!["load"]!;
        Assert.Equal("NEWLINE_DELIMITED_JSON", (string?)load["sourceFormat"]);
        Assert.Equal("WRITE_TRUNCATE", (string?)load["writeDisposition"]);
        Assert.Equal(job.JobReference!.JobId, (string?)upload.Json()!["jobReference"]!["jobId"]);
        // insert answered PENDING; poll 1 RUNNING; poll 2 DONE
        var polls = Server.RequestsFor("bigquery.jobs.get");
        Assert.Equal(2, polls.Count);
        Assert.All(polls, p => Assert.Equal("EU", p.QueryValue("location")));
        Assert.Equal(2, Server.CountRows("pipeline", "people"));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Load_job_that_finishes_with_errorResult_throws_with_the_reason_and_errors()
    {
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        var rows = "{\"name\":\"ada\",\"nickname\":\"countess\"}\n"u8.ToArray();

        var ex = await Assert.ThrowsAsync<BigQueryJobException>(() => Client.LoadAsync(PeopleLoad(), rows, CancellationToken.None));

        Assert.Equal("invalid", ex.Reason);
        Assert.NotNull(ex.ErrorResult);
        Assert.Contains("too many errors", ex.ErrorResult.Message);
        Assert.Contains(ex.Errors, e => e.Message!.Contains("No such field: nickname"));
        Assert.StartsWith("pipeline_load_", ex.Job.JobId);
        Assert.Equal(2, Server.RequestsFor("bigquery.jobs.get").Count); // it was followed to DONE before failing
        Assert.DoesNotContain("people", Server.TableIds("pipeline"));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Query_polls_until_jobComplete_then_pages_with_pageToken_and_converts_by_schema()
    {
        Server.IncompleteQueryPolls = 2; // jobs.query → false, getQueryResults → false, then true
        Server.PageSize = 2;
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        await Client.LoadAsync(PeopleLoad(), Encoding.UTF8.GetBytes(string.Join("\n",
            Enumerable.Range(1, 5).Select(i => $$"""{"name":"p{{i}}","age":{{40 + i}},"balance":"{{i}}.25","seen_at":"2025-05-0{{i}}T10:00:00.5Z"}"""))), CancellationToken.None);

        var result = await Client.QueryAsync(new BigQueryStatement(
            "SELECT name, age, balance, seen_at FROM `people` WHERE age >= @min_age AND name <> @skip ORDER BY age",
            [BigQueryParameter.Int64("min_age", 42), BigQueryParameter.String("skip", "p5")]), CancellationToken.None);

        Assert.Equal(["p2", "p3", "p4"], result.Rows.Select(r => r.GetString("name")));
        Assert.Equal([42L, 43L, 44L], result.Rows.Select(r => r.GetInt64("age")));
        Assert.Equal([2.25m, 3.25m, 4.25m], result.Rows.Select(r => r.GetDecimal("balance")));
        Assert.Equal(new DateTimeOffset(2025, 5, 2, 10, 0, 0, 500, TimeSpan.Zero), result.Rows[0].GetTimestamp("seen_at"));

        var start = Assert.Single(Server.RequestsFor("bigquery.jobs.query")).Json()!;
        Assert.False((bool)start["useLegacySql"]!);
        Assert.Equal("NAMED", (string?)start["parameterMode"]);
        Assert.Equal("pipeline", (string?)start["defaultDataset"]!["datasetId"]);
        var results = Server.RequestsFor("bigquery.jobs.getQueryResults");
        // one incomplete poll, the completing poll with page 1, then page 2 by token
        Assert.Equal(3, results.Count);
        Assert.Equal([null, null], results.Take(2).Select(r => r.QueryValue("pageToken")));
        Assert.NotNull(results[2].QueryValue("pageToken"));
        Assert.All(results, r => Assert.Equal("EU", r.QueryValue("location")));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Failed_query_surfaces_the_error_envelope()
    {
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        var ex = await Assert.ThrowsAsync<BigQueryApiException>(() =>
            Client.QueryAsync(new BigQueryStatement("SELECT nope FROM `missing_table`"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("invalidQuery", ex.Reason);
        Assert.Equal("bigquery.jobs.getQueryResults", ex.Operation);
        Server.AssertConformant();
    }

    [Fact]
    public async Task Query_against_a_missing_dataset_is_404()
    {
        var ex = await Assert.ThrowsAsync<BigQueryApiException>(() =>
            Client.QueryAsync(new BigQueryStatement("SELECT 1 AS one"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("notFound", ex.Reason);
        Server.AssertConformant();
    }

    [Fact]
    public async Task Every_request_carries_the_token_from_the_token_source()
    {
        await Client.GetDatasetAsync("pipeline", CancellationToken.None);
        await Client.CreateDatasetIfMissingAsync("pipeline", CancellationToken.None);
        Assert.Equal(Server.Requests.Count, _host.Tokens.Calls);
        Server.AssertConformant();
    }
}
