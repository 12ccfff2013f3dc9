using System.Text;
using System.Text.Json;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>The request oracle itself: it must accept BigQuery's real shapes and reject what the API would not take.</summary>
public sealed class DiscoveryDocumentTests
{
    private static readonly DiscoveryDocument Discovery = DiscoveryDocument.BigQueryV2;
    private static readonly List<KeyValuePair<string, string>> NoQuery = [];

    private static RequestCheck Post(string path, string json, List<KeyValuePair<string, string>>? query = null) =>
        Discovery.Check("POST", path, query ?? NoQuery, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Loads_every_method_of_the_document()
    {
        Assert.True(Discovery.MethodCount > 40, $"only {Discovery.MethodCount} methods found");
        Assert.Equal("/bigquery/v2/", Discovery.ServicePath);
    }

    [Theory]
    [InlineData("GET", "/bigquery/v2/projects/p/datasets/d", "bigquery.datasets.get")]
    [InlineData("DELETE", "/bigquery/v2/projects/p/datasets/d/tables/t", "bigquery.tables.delete")]
    [InlineData("GET", "/bigquery/v2/projects/p/jobs/j", "bigquery.jobs.get")]
    [InlineData("GET", "/bigquery/v2/projects/p/queries/j", "bigquery.jobs.getQueryResults")]
    public void Matches_paths_to_discovery_methods(string method, string path, string expected)
    {
        var check = Discovery.Check(method, path, NoQuery, null, []);
        Assert.Equal(expected, check.MethodId);
        Assert.Empty(check.Violations);
    }

    [Theory]
    [InlineData("GET", "/bigquery/v2/projects/p/datasets/d/nothing")]
    [InlineData("PUT", "/bigquery/v2/projects/p/queries")]
    [InlineData("GET", "/bigquery/v3/projects/p/datasets/d")]
    [InlineData("GET", "/bigquery/v2/projects/p/x/datasets/d")] // path parameters may not span slashes
    public void Rejects_paths_no_method_declares(string method, string path)
    {
        var check = Discovery.Check(method, path, NoQuery, null, []);
        Assert.Null(check.MethodId);
        Assert.NotEmpty(check.Violations);
    }

    [Fact]
    public void Rejects_undeclared_or_mistyped_query_parameters()
    {
        var check = Discovery.Check("GET", "/bigquery/v2/projects/p/queries/j",
            [new("timeoutMs", "soon"), new("pageSize", "10"), new("formatOptions.useInt64Timestamp", "yes"), new("prettyPrint", "false")], null, []);
        Assert.Equal("bigquery.jobs.getQueryResults", check.MethodId);
        Assert.Contains(check.Violations, v => v.Contains("'timeoutMs'"));
        Assert.Contains(check.Violations, v => v.Contains("'pageSize' is not declared"));
        Assert.Contains(check.Violations, v => v.Contains("useInt64Timestamp"));
        Assert.DoesNotContain(check.Violations, v => v.Contains("prettyPrint")); // a global parameter
    }

    [Fact]
    public void Accepts_a_well_formed_query_request()
    {
        var check = Post("/bigquery/v2/projects/p/queries", """
            {"query":"SELECT @x","useLegacySql":false,"parameterMode":"NAMED","timeoutMs":10000,
             "queryParameters":[{"name":"x","parameterType":{"type":"INT64"},"parameterValue":{"value":"1"}}],
             "defaultDataset":{"projectId":"p","datasetId":"d"},"labels":{"team":"data"}}
            """);
        Assert.Equal("bigquery.jobs.query", check.MethodId);
        Assert.Empty(check.Violations);
    }

    [Fact]
    public void Rejects_unknown_properties_wrong_json_types_nulls_and_read_only_fields_at_any_depth()
    {
        var check = Post("/bigquery/v2/projects/p/queries", """
            {"query":"SELECT 1","useLegacySql":"false","maxResults":"10","queryParameter":[],"timeoutMs":null,
             "queryParameters":[{"name":"x","parameterType":{"type":"INT64","arrayTyp":{}},"parameterValue":{"value":1}}],
             "labels":{"team":7}}
            """);
        Assert.Contains(check.Violations, v => v.StartsWith("QueryRequest.useLegacySql: expected a JSON boolean"));
        Assert.Contains(check.Violations, v => v.StartsWith("QueryRequest.maxResults: expected a JSON integer"));
        Assert.Contains(check.Violations, v => v.StartsWith("QueryRequest.queryParameter: is not a property"));
        Assert.Contains(check.Violations, v => v.StartsWith("QueryRequest.timeoutMs: null"));
        Assert.Contains(check.Violations, v => v.StartsWith("QueryRequest.queryParameters[0].parameterType.arrayTyp: is not a property"));
        Assert.Contains(check.Violations, v => v.StartsWith("QueryRequest.queryParameters[0].parameterValue.value: expected a JSON string"));
        Assert.Contains(check.Violations, v => v.StartsWith("QueryRequest.labels.team: expected a JSON string"));

        var table = Post("/bigquery/v2/projects/p/datasets/d/tables", """
            {"tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},"numRows":"5",
             "timePartitioning":{"type":"DAY","expirationMs":86400000}}
            """);
        Assert.Equal("bigquery.tables.insert", table.MethodId);
        Assert.Contains(table.Violations, v => v.StartsWith("Table.numRows: is read-only"));
        Assert.Contains(table.Violations, v => v.StartsWith("Table.timePartitioning.expirationMs: expected a JSON string (int64)"));
    }

    [Fact]
    public void Rejects_a_body_on_a_method_without_a_request_schema()
    {
        var check = Discovery.Check("GET", "/bigquery/v2/projects/p/jobs/j", NoQuery, "application/json", "{}"u8.ToArray());
        Assert.Contains(check.Violations, v => v.Contains("takes no request body"));
    }

    [Fact]
    public void Checks_multipart_uploads_against_the_media_upload_path_and_the_job_schema()
    {
        const string boundary = "xyz";
        var good = Encoding.UTF8.GetBytes(
            "--xyz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" +
            """{"configuration":{"load":{"destinationTable":{"projectId":"p","datasetId":"d","tableId":"t"},"sourceFormat":"NEWLINE_DELIMITED_JSON"}}}""" +
            "\r\n--xyz\r\nContent-Type: application/octet-stream\r\n\r\n{\"a\":1}\n\r\n--xyz--\r\n");
        var check = Discovery.Check("POST", "/upload/bigquery/v2/projects/p/jobs", [new("uploadType", "multipart")],
            "multipart/related; boundary=" + boundary, good);
        Assert.Equal("bigquery.jobs.insert", check.MethodId);
        Assert.True(check.IsUpload);
        Assert.Empty(check.Violations);

        var noUploadType = Discovery.Check("POST", "/upload/bigquery/v2/projects/p/jobs", NoQuery, "multipart/related; boundary=xyz", good);
        Assert.Contains(noUploadType.Violations, v => v.Contains("uploadType"));

        var bad = Encoding.UTF8.GetBytes(
            "--xyz\r\nContent-Type: application/json\r\n\r\n" +
            """{"status":{"state":"DONE"},"configuration":{"load":{"sourceFormat":"NEWLINE_DELIMITED_JSON","maxBadRecords":"0"}}}""" +
            "\r\n--xyz\r\nContent-Type: application/octet-stream\r\n\r\n{}\r\n--xyz--\r\n");
        var badCheck = Discovery.Check("POST", "/upload/bigquery/v2/projects/p/jobs", [new("uploadType", "multipart")],
            "multipart/related; boundary=xyz", bad);
        Assert.Contains(badCheck.Violations, v => v.StartsWith("Job.status: is read-only"));
        Assert.Contains(badCheck.Violations, v => v.StartsWith("Job.configuration.load.maxBadRecords: expected a JSON integer"));
    }

    [Fact]
    public void Validates_responses_with_read_only_fields_allowed()
    {
        using var doc = JsonDocument.Parse("""
            {"kind":"bigquery#queryResponse","jobComplete":true,"totalRows":"2","numDmlAffectedRows":"0",
             "rows":[{"f":[{"v":"1"},{"v":null},{"v":[{"v":"a"}]}]}]}
            """);
        Assert.Empty(Discovery.ValidateAgainst("QueryResponse", doc.RootElement, allowReadOnly: true));
        using var wrong = JsonDocument.Parse("""{"jobComplete":"yes","totalRows":2}""");
        Assert.Equal(2, Discovery.ValidateAgainst("QueryResponse", wrong.RootElement, allowReadOnly: true).Count);
    }
}
