using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// A local HTTP server on 127.0.0.1 that answers in BigQuery v2's shapes, backed by an in-memory DuckDB (one DuckDB
/// schema per dataset) so that loads land somewhere and GoogleSQL statements really run (backticks and <c>@name</c>
/// parameters translated). Every request is first checked against Google's discovery document; a request that does not
/// conform is recorded in <see cref="Violations"/> and answered 400. Responses are checked against the discovery
/// response schemas too, so the fake cannot drift from the real shapes unnoticed.
/// Behaviour: datasets.get 404 until created; load jobs PENDING → RUNNING → DONE across jobs.get polls, DONE with
/// <c>status.errorResult</c> when a row does not fit; jobs.query answers <c>jobComplete=false</c> and
/// getQueryResults completes after <see cref="IncompleteQueryPolls"/> polls, then pages <see cref="PageSize"/> rows at a time;
/// tables.list pages <see cref="ListPageSize"/> tables at a time, each with the creation time read from <see cref="Clock"/>;
/// a MERGE whose WHEN MATCHED meets a target row matching several source rows fails, as BigQuery fails it.
/// Faults are injected per request with <see cref="Faults"/>; <see cref="Answering"/> sees each answer before it is sent.
/// </summary>
public sealed class FakeBigQueryServer : IAsyncDisposable
{
    public const string Project = "test-project";
    public const string Token = "test-token";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly WebApplication _app;
    private readonly DuckDBConnection _db;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DiscoveryDocument _discovery = DiscoveryDocument.BigQueryV2;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly Dictionary<string, JsonObject> _datasets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeJob> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeQuery> _queries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _queryRequestIds = new(StringComparer.Ordinal);
    private Uri _root = null!;

    private FakeBigQueryServer(WebApplication app, DuckDBConnection db)
    {
        _app = app;
        _db = db;
    }

    /// <summary>jobs.get polls after which a load job reports RUNNING.</summary>
    public int PollsUntilRunning { get; set; } = 1;

    /// <summary>jobs.get polls after which a load job reports DONE.</summary>
    public int PollsUntilDone { get; set; } = 2;

    /// <summary>getQueryResults polls answered <c>jobComplete=false</c> before the one that completes (jobs.query always answers false when > 0).</summary>
    public int IncompleteQueryPolls { get; set; } = 1;

    /// <summary>Most rows in one result page.</summary>
    public int PageSize { get; set; } = 2;

    /// <summary>Most tables in one tables.list page when the request sets no smaller maxResults.</summary>
    public int ListPageSize { get; set; } = 2;

    /// <summary>The clock that stamps a table's <c>creationTime</c>.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>
    /// Fault injection: consulted for every authorised, conforming request before it is handled (under the server's lock,
    /// one request at a time); the <see cref="FakeFault"/> it returns decides what happens instead, null means none.
    /// </summary>
    public Func<RecordedRequest, FakeFault?>? Faults { get; set; }

    /// <summary>Called with each request, the status and the body about to be answered (e.g. to cancel a client's token at a chosen step).</summary>
    public Action<RecordedRequest, int, JsonNode?>? Answering { get; set; }

    public Uri BaseUrl => new(_root, "bigquery/v2/");

    public Uri UploadBaseUrl => new(_root, "upload/bigquery/v2/");

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public IReadOnlyList<string> Violations => _violations.ToList();

    public static async Task<FakeBigQueryServer> StartAsync()
    {
        var app = LoopbackServer.Create();
        var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync();
        var server = new FakeBigQueryServer(app, db);
        app.Run(server.HandleAsync);
        server._root = await LoopbackServer.StartAsync(app);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _db.DisposeAsync();
        _gate.Dispose();
    }

    /// <summary>Fails unless requests were made and every one of them (and every answer) conformed to the discovery document.</summary>
    public void AssertConformant()
    {
        Assert.NotEmpty(Requests);
        Assert.True(Violations.Count == 0, "Requests not conforming to the BigQuery discovery document:\n" + string.Join("\n", Violations));
        Assert.All(Requests, r => Assert.NotNull(r.MethodId));
    }

    /// <summary>Requests answered as the given discovery method, e.g. <c>bigquery.jobs.get</c>.</summary>
    public IReadOnlyList<RecordedRequest> RequestsFor(string methodId) => Requests.Where(r => r.MethodId == methodId).ToList();

    /// <summary>The stored table resource (as inserted or as created by a load), or null.</summary>
    public JsonObject? Table(string dataset, string table) => Locked(() => _tables.GetValueOrDefault($"{dataset}.{table}")?.DeepClone().AsObject());

    public IReadOnlyList<string> TableIds(string dataset) =>
        Locked(() => _tables.Keys.Where(k => k.StartsWith(dataset + ".", StringComparison.Ordinal)).Select(k => k[(dataset.Length + 1)..]).Order().ToList());

    /// <summary>Runs a DuckDB query directly against the fake's storage (for assertions).</summary>
    public List<object?[]> Sql(string sql) => Locked(() =>
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    });

    public long CountRows(string dataset, string table) => Convert.ToInt64(Sql($"SELECT COUNT(*) FROM \"{dataset}\".\"{table}\"")[0][0], Inv);

    private T Locked<T>(Func<T> action)
    {
        _gate.Wait();
        try
        {
            return action();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var rawPath = rawTarget.Split('?')[0];
        var query = request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();
        var check = _discovery.Check(request.Method, rawPath, query, request.ContentType, body);
        var recorded = new RecordedRequest(request.Method, rawPath, query, check.MethodId, request.ContentType, body,
            request.Headers.Authorization.ToString());
        _requests.Enqueue(recorded);

        Reply reply;
        if (request.Headers.Authorization.ToString() != "Bearer " + Token)
            reply = Error(401, "UNAUTHENTICATED", "unauthorized", "Request is missing required authentication credential.");
        else if (check.Violations.Count > 0)
        {
            foreach (var v in check.Violations) _violations.Enqueue(v);
            reply = Error(400, "INVALID_ARGUMENT", "invalid", "Request does not conform to the discovery document: " + string.Join("; ", check.Violations));
        }
        else
        {
            var ids = PathIds(rawPath);
            await _gate.WaitAsync();
            try
            {
                reply = ids.GetValueOrDefault("projects") != Project
                    ? Error(404, "NOT_FOUND", "notFound", $"Not found: Project {ids.GetValueOrDefault("projects")}")
                    : DispatchWithFaults(recorded, ids, query);
            }
            finally
            {
                _gate.Release();
            }
        }

        if (reply.Body is not null && reply.Status < 300 && check.MethodId is not null && _discovery.ResponseSchemaOf(check.MethodId) is { } schema)
        {
            using var doc = JsonDocument.Parse(reply.Body.ToJsonString());
            foreach (var v in _discovery.ValidateAgainst(schema, doc.RootElement, allowReadOnly: true))
                _violations.Enqueue("fake server response " + v);
        }
        Answering?.Invoke(recorded, reply.Status, reply.Body?.DeepClone());
        context.Response.StatusCode = reply.Status;
        if (reply.Body is not null)
        {
            context.Response.ContentType = "application/json; charset=UTF-8";
            await context.Response.WriteAsync(reply.Body.ToJsonString());
        }
    }

    /// <summary>Handles the request as <see cref="Faults"/> says: not at all, normally then with a lost answer, or with its job failing.</summary>
    private Reply DispatchWithFaults(RecordedRequest request, Dictionary<string, string> ids, List<KeyValuePair<string, string>> query)
    {
        var fault = Faults?.Invoke(request);
        switch (fault?.Kind)
        {
            case null:
                return Dispatch(request.MethodId!, ids, query, request.ContentType, request.Body, failJob: null);
            case FakeFault.Kinds.Reject:
                return Error(fault.Status, fault.StatusText, fault.Reason, fault.Message);
            case FakeFault.Kinds.LoseAnswer:
                Dispatch(request.MethodId!, ids, query, request.ContentType, request.Body, failJob: null);
                return Error(fault.Status, fault.StatusText, fault.Reason, fault.Message);
            case FakeFault.Kinds.FailJob when request.MethodId is "bigquery.jobs.insert" or "bigquery.jobs.query":
                return Dispatch(request.MethodId!, ids, query, request.ContentType, request.Body, failJob: fault);
            default:
                throw new InvalidOperationException($"A {fault.Kind} fault does not apply to {request.MethodId}.");
        }
    }

    private Reply Dispatch(
        string methodId, Dictionary<string, string> ids, List<KeyValuePair<string, string>> query, string? contentType, byte[] body, FakeFault? failJob)
    {
        var q = query.ToDictionary(p => p.Key, p => p.Value);
        return methodId switch
        {
            "bigquery.datasets.get" => GetDataset(ids["datasets"]),
            "bigquery.datasets.insert" => InsertDataset(JsonNode.Parse(body)!.AsObject()),
            "bigquery.tables.insert" => InsertTable(ids["datasets"], JsonNode.Parse(body)!.AsObject()),
            "bigquery.tables.delete" => DeleteTable(ids["datasets"], ids["tables"]),
            "bigquery.tables.list" => ListTables(ids["datasets"], q),
            "bigquery.jobs.insert" => InsertJob(contentType, body, failJob),
            "bigquery.jobs.get" => GetJob(ids["jobs"], q.GetValueOrDefault("location")),
            "bigquery.jobs.query" => StartQuery(JsonNode.Parse(body)!.AsObject(), failJob),
            "bigquery.jobs.getQueryResults" => GetQueryResults(ids["queries"], q),
            _ => Error(501, "UNIMPLEMENTED", "notImplemented", $"The fake does not implement {methodId}."),
        };
    }

    private static Dictionary<string, string> PathIds(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var start = Array.IndexOf(segments, "projects");
        for (var i = start; i >= 0 && i + 1 < segments.Length; i += 2) ids[segments[i]] = Uri.UnescapeDataString(segments[i + 1]);
        return ids;
    }

    // ---- datasets and tables -------------------------------------------------------------------------------------

    private Reply GetDataset(string datasetId) =>
        _datasets.TryGetValue(datasetId, out var dataset)
            ? new Reply(200, dataset.DeepClone())
            : Error(404, "NOT_FOUND", "notFound", $"Not found: Dataset {Project}:{datasetId}");

    private Reply InsertDataset(JsonObject dataset)
    {
        var datasetId = (string?)dataset["datasetReference"]?["datasetId"];
        if (string.IsNullOrEmpty(datasetId)) return Error(400, "INVALID_ARGUMENT", "invalid", "datasetReference.datasetId is required");
        if (_datasets.ContainsKey(datasetId)) return Error(409, "ALREADY_EXISTS", "duplicate", $"Already Exists: Dataset {Project}:{datasetId}");
        var stored = dataset.DeepClone().AsObject();
        stored["kind"] = "bigquery#dataset";
        stored["id"] = $"{Project}:{datasetId}";
        stored["location"] ??= "US";
        stored["creationTime"] = "1746086400000";
        _datasets[datasetId] = stored;
        Execute($"CREATE SCHEMA \"{datasetId}\"");
        return new Reply(200, stored.DeepClone());
    }

    private Reply InsertTable(string datasetId, JsonObject table)
    {
        if (!_datasets.ContainsKey(datasetId)) return Error(404, "NOT_FOUND", "notFound", $"Not found: Dataset {Project}:{datasetId}");
        var tableId = (string?)table["tableReference"]?["tableId"];
        if (string.IsNullOrEmpty(tableId)) return Error(400, "INVALID_ARGUMENT", "invalid", "tableReference.tableId is required");
        if ((string?)table["tableReference"]?["datasetId"] != datasetId)
            return Error(400, "INVALID_ARGUMENT", "invalid", "tableReference.datasetId does not match the path");
        var key = $"{datasetId}.{tableId}";
        if (_tables.ContainsKey(key)) return Error(409, "ALREADY_EXISTS", "duplicate", $"Already Exists: Table {Project}:{key}");
        var fields = table["schema"]?["fields"]?.AsArray() ?? [];
        var problem = CheckPartitioningAndClustering(table, fields);
        if (problem is not null) return Error(400, "INVALID_ARGUMENT", "invalid", problem);
        Execute(CreateTableSql(datasetId, tableId, fields, replace: false));
        var stored = table.DeepClone().AsObject();
        stored["kind"] = "bigquery#table";
        stored["id"] = $"{Project}:{key}";
        stored["type"] = "TABLE";
        stored["creationTime"] = NowMilliseconds();
        _tables[key] = stored;
        return new Reply(200, stored.DeepClone());
    }

    /// <summary>BigQuery's rules: partition field a top-level DATE/TIMESTAMP/DATETIME; clustering ≤ 4 top-level fields.</summary>
    private static string? CheckPartitioningAndClustering(JsonObject table, JsonArray fields)
    {
        string? TypeOf(string name) => fields.FirstOrDefault(f => (string?)f!["name"] == name)?["type"]?.GetValue<string>();
        if (table["timePartitioning"] is JsonObject partitioning)
        {
            if ((string?)partitioning["type"] is not ("DAY" or "HOUR" or "MONTH" or "YEAR")) return "timePartitioning.type must be DAY, HOUR, MONTH or YEAR";
            if ((string?)partitioning["field"] is { } field && TypeOf(field) is not ("TIMESTAMP" or "DATE" or "DATETIME"))
                return $"The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME: {field}";
        }
        if (table["clustering"]?["fields"] is JsonArray clustering)
        {
            if (clustering.Count is 0 or > 4) return "Clustering supports 1 to 4 fields";
            foreach (var f in clustering)
                if (TypeOf((string)f!) is null) return $"The field specified for clustering cannot be found in the schema: {f}";
        }
        return null;
    }

    /// <summary>tables.list: ordered by table id, paged with an opaque token; each entry as BigQuery lists it (no schema).</summary>
    private Reply ListTables(string datasetId, Dictionary<string, string> q)
    {
        if (!_datasets.ContainsKey(datasetId)) return Error(404, "NOT_FOUND", "notFound", $"Not found: Dataset {Project}:{datasetId}");
        var prefix = datasetId + ".";
        var ids = _tables.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..])
            .Order(StringComparer.Ordinal).ToList();
        string? after = null;
        if (q.TryGetValue("pageToken", out var token))
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                return Error(400, "INVALID_ARGUMENT", "invalid", "Invalid page token.");
            }
        }
        var size = Math.Min(ListPageSize, q.TryGetValue("maxResults", out var m) ? int.Parse(m, Inv) : int.MaxValue);
        var page = ids.Where(id => after is null || string.CompareOrdinal(id, after) > 0).Take(size).ToList();
        var tables = new JsonArray();
        foreach (var id in page)
        {
            var table = _tables[prefix + id];
            var entry = new JsonObject
            {
                ["kind"] = "bigquery#table",
                ["id"] = $"{Project}:{prefix}{id}",
                ["tableReference"] = table["tableReference"]!.DeepClone(),
                ["type"] = table["type"]!.DeepClone(),
                ["creationTime"] = table["creationTime"]!.DeepClone(),
            };
            foreach (var name in new[] { "timePartitioning", "clustering" })
                if (table[name] is { } value) entry[name] = value.DeepClone();
            tables.Add(entry);
        }
        var list = new JsonObject { ["kind"] = "bigquery#tableList", ["tables"] = tables, ["totalItems"] = ids.Count };
        if (page.Count > 0 && string.CompareOrdinal(page[^1], ids[^1]) < 0)
            list["nextPageToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1]));
        return new Reply(200, list);
    }

    private string NowMilliseconds() => Clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(Inv);

    private Reply DeleteTable(string datasetId, string tableId)
    {
        if (!_tables.Remove($"{datasetId}.{tableId}")) return Error(404, "NOT_FOUND", "notFound", $"Not found: Table {Project}:{datasetId}.{tableId}");
        Execute($"DROP TABLE \"{datasetId}\".\"{tableId}\"");
        return new Reply(204, null);
    }

    // ---- load jobs ---------------------------------------------------------------------------------------------

    private Reply InsertJob(string? contentType, byte[] body, FakeFault? failJob)
    {
        var parts = MultipartRelated.Parse(contentType, body, out var error);
        if (parts is null || parts.Count != 2) return Error(400, "INVALID_ARGUMENT", "invalid", "expected a two-part multipart/related upload: " + error);
        var job = JsonNode.Parse(parts[0].Body)!.AsObject();
        var reference = job["jobReference"]?.AsObject() ?? new JsonObject();
        var jobId = (string?)reference["jobId"] ?? "job_" + Guid.NewGuid().ToString("N");
        var location = (string?)reference["location"] ?? "US";
        if (_jobs.ContainsKey(jobId)) return Error(409, "ALREADY_EXISTS", "duplicate", $"Already Exists: Job {Project}:{location}.{jobId}");
        if (job["configuration"]?["load"] is not JsonObject load) return Error(400, "INVALID_ARGUMENT", "invalid", "only load jobs are uploaded");
        // An injected failure ends the job as BigQuery ends a failed load: DONE with errorResult, nothing written.
        var failure = failJob is null ? Load(load, parts[1].Body) : JobError(failJob.Reason, failJob.Message);
        var stored = new JsonObject
        {
            ["kind"] = "bigquery#job",
            ["id"] = $"{Project}:{location}.{jobId}",
            ["jobReference"] = new JsonObject { ["projectId"] = Project, ["jobId"] = jobId, ["location"] = location },
            ["configuration"] = job["configuration"]!.DeepClone(),
        };
        var fake = new FakeJob(stored, location, failure);
        _jobs[jobId] = fake;
        return new Reply(200, fake.Render(PollsUntilRunning, PollsUntilDone));
    }

    private Reply GetJob(string jobId, string? location)
    {
        if (!_jobs.TryGetValue(jobId, out var job) || !string.Equals(job.Location, location ?? "US", StringComparison.OrdinalIgnoreCase))
            return Error(404, "NOT_FOUND", "notFound", $"Not found: Job {Project}:{location}.{jobId}");
        job.Polls++;
        return new Reply(200, job.Render(PollsUntilRunning, PollsUntilDone));
    }

    /// <summary>Loads newline-delimited JSON into a DuckDB table, atomically; answers the errorResult on failure.</summary>
    private JsonObject? Load(JsonObject load, byte[] data)
    {
        var destination = load["destinationTable"]!;
        var datasetId = (string)destination["datasetId"]!;
        var tableId = (string)destination["tableId"]!;
        if ((string?)load["sourceFormat"] != "NEWLINE_DELIMITED_JSON")
            return JobError("invalid", $"The fake loads NEWLINE_DELIMITED_JSON only, not {(string?)load["sourceFormat"] ?? "CSV (the default)"}");
        if (!_datasets.ContainsKey(datasetId)) return JobError("notFound", $"Not found: Dataset {Project}:{datasetId}");
        var key = $"{datasetId}.{tableId}";
        var exists = _tables.ContainsKey(key);
        var write = (string?)load["writeDisposition"] ?? "WRITE_APPEND";
        var create = (string?)load["createDisposition"] ?? "CREATE_IF_NEEDED";
        if (write is not ("WRITE_TRUNCATE" or "WRITE_APPEND" or "WRITE_EMPTY")) return JobError("invalid", $"Invalid writeDisposition {write}");
        if (!exists && create == "CREATE_NEVER") return JobError("notFound", $"Not found: Table {Project}:{key}");
        var fields = load["schema"]?["fields"]?.AsArray() ?? _tables.GetValueOrDefault(key)?["schema"]?["fields"]?.AsArray();
        if (fields is null) return JobError("invalid", "No schema specified on job or table.");

        var rows = new List<object?[]>();
        var lines = Encoding.UTF8.GetString(data).Split('\n');
        var offset = 0;
        foreach (var line in lines)
        {
            if (line.Length > 0)
            {
                var problem = ParseRow(line, fields, out var values);
                if (problem is not null)
                    return JobError("invalid", $"Error while reading data, error message: JSON parsing error in row starting at position {offset}: {problem}",
                        "JSON table encountered too many errors, giving up. Rows: 1; errors: 1. Please look into the errors[] collection for more details.");
                rows.Add(values);
            }
            offset += Encoding.UTF8.GetByteCount(line) + 1;
        }

        Execute("BEGIN TRANSACTION");
        try
        {
            if (!exists || write == "WRITE_TRUNCATE") Execute(CreateTableSql(datasetId, tableId, fields, replace: true));
            else if (write == "WRITE_EMPTY" && CountRows(datasetId, tableId) > 0)
                throw new InvalidOperationException($"Already Exists: Table {Project}:{key}");
            using (var appender = _db.CreateAppender(datasetId, tableId))
            {
                foreach (var values in rows)
                {
                    var row = appender.CreateRow();
                    foreach (var value in values)
                    {
                        row = value switch
                        {
                            null => row.AppendNullValue(),
                            string s => row.AppendValue(s),
                            long l => row.AppendValue(l),
                            decimal d => row.AppendValue(d),
                            double f => row.AppendValue(f),
                            bool b => row.AppendValue(b),
                            DateTime t => row.AppendValue(t),
                            _ => throw new InvalidOperationException($"cannot append {value.GetType()}"),
                        };
                    }
                    row.EndRow();
                }
            }
            Execute("COMMIT");
        }
        catch (Exception ex) when (ex is DuckDBException or InvalidOperationException)
        {
            Execute("ROLLBACK");
            return JobError("invalid", ex.Message);
        }
        if (!exists || write == "WRITE_TRUNCATE")
        {
            // WRITE_TRUNCATE replaces the data and the schema of a table that exists; the table, created earlier, stays.
            _tables[key] = new JsonObject
            {
                ["kind"] = "bigquery#table",
                ["id"] = $"{Project}:{key}",
                ["tableReference"] = destination.DeepClone(),
                ["schema"] = new JsonObject { ["fields"] = fields.DeepClone() },
                ["type"] = "TABLE",
                ["creationTime"] = exists ? _tables[key]["creationTime"]!.DeepClone() : NowMilliseconds(),
            };
        }
        return null;
    }

    private static string? ParseRow(string line, JsonArray fields, out object?[] values)
    {
        values = new object?[fields.Count];
        JsonElement row;
        try
        {
            row = JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException ex)
        {
            return "Parser terminated before end of string: " + ex.Message;
        }
        if (row.ValueKind != JsonValueKind.Object) return "Top-level JSON value is not an object.";
        var names = fields.Select(f => (string)f!["name"]!).ToList();
        foreach (var property in row.EnumerateObject())
            if (!names.Contains(property.Name)) return $"No such field: {property.Name}.";
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i]!;
            var name = names[i];
            var required = (string?)field["mode"] == "REQUIRED";
            if (!row.TryGetProperty(name, out var cell) || cell.ValueKind == JsonValueKind.Null)
            {
                if (required) return $"Missing required field: {name}.";
                continue;
            }
            var type = (string)field["type"]!;
            try
            {
                values[i] = type switch
                {
                    "STRING" when cell.ValueKind == JsonValueKind.String => cell.GetString(),
                    "INT64" or "INTEGER" when cell.ValueKind is JsonValueKind.Number or JsonValueKind.String =>
                        long.Parse(cell.ValueKind == JsonValueKind.String ? cell.GetString()! : cell.GetRawText(), Inv),
                    "NUMERIC" when cell.ValueKind is JsonValueKind.Number or JsonValueKind.String =>
                        decimal.Parse(cell.ValueKind == JsonValueKind.String ? cell.GetString()! : cell.GetRawText(), NumberStyles.Float, Inv),
                    "FLOAT64" or "FLOAT" when cell.ValueKind == JsonValueKind.Number => cell.GetDouble(),
                    "BOOL" or "BOOLEAN" when cell.ValueKind is JsonValueKind.True or JsonValueKind.False => cell.GetBoolean(),
                    "TIMESTAMP" when cell.ValueKind == JsonValueKind.String =>
                        DateTimeOffset.Parse(cell.GetString()!, Inv, DateTimeStyles.AssumeUniversal).UtcDateTime,
                    _ => throw new FormatException($"Could not convert value to {type}."),
                };
            }
            catch (FormatException ex)
            {
                return $"Could not parse '{cell.GetRawText()}' as {type} for field {name} (position {i}): {ex.Message}";
            }
        }
        return null;
    }

    private static JsonObject JobError(string reason, string message, string? summary = null)
    {
        var error = new JsonObject { ["reason"] = reason, ["message"] = summary ?? message };
        var errors = new JsonArray { new JsonObject { ["reason"] = reason, ["message"] = message } };
        if (summary is not null) errors.Add(error.DeepClone());
        return new JsonObject { ["errorResult"] = error, ["errors"] = errors };
    }

    // ---- queries -----------------------------------------------------------------------------------------------

    private Reply StartQuery(JsonObject request, FakeFault? failJob)
    {
        if (request["useLegacySql"] is null || (bool)request["useLegacySql"]! != false)
        {
            _violations.Enqueue("jobs.query without useLegacySql=false would run as legacy SQL");
            return Error(400, "INVALID_ARGUMENT", "invalidQuery", "Legacy SQL is the API default; send useLegacySql=false.");
        }
        var requestId = (string?)request["requestId"];
        if (requestId is not null && _queryRequestIds.TryGetValue(requestId, out var earlier))
            return new Reply(200, Incomplete("bigquery#queryResponse", _queries[earlier]));
        var parameters = request["queryParameters"]?.AsArray() ?? [];
        if (parameters.Count > 0 && (string?)request["parameterMode"] != "NAMED")
            return Error(400, "INVALID_ARGUMENT", "invalidQuery", "Query parameters need parameterMode NAMED (or POSITIONAL).");
        var datasetId = (string?)request["defaultDataset"]?["datasetId"];
        var location = (string?)request["location"] ?? "US";
        if (datasetId is not null && !_datasets.ContainsKey(datasetId))
            return Error(404, "NOT_FOUND", "notFound", $"Not found: Dataset {Project}:{datasetId}");
        if (datasetId is not null && !string.Equals((string?)_datasets[datasetId]["location"], location, StringComparison.OrdinalIgnoreCase))
            return Error(404, "NOT_FOUND", "notFound", $"Not found: Dataset {Project}:{datasetId} was not found in location {location}");

        var jobId = "job_" + Guid.NewGuid().ToString("N");
        var query = new FakeQuery(new JsonObject { ["projectId"] = Project, ["jobId"] = jobId, ["location"] = location }, location);
        if (failJob is not null)
        {
            // An injected failure ends the job as BigQuery ends a failed statement: with an error, nothing changed.
            query.Error = failJob.Message;
            query.ErrorReason = failJob.Reason;
        }
        else
        {
            try
            {
                Run(query, (string)request["query"]!, parameters, datasetId);
            }
            catch (Exception ex) when (ex is DuckDBException or FormatException or InvalidOperationException)
            {
                query.Error = ex.Message;
            }
        }
        query.MaxResults = (int?)request["maxResults"];
        _queries[jobId] = query;
        if (requestId is not null) _queryRequestIds[requestId] = jobId;
        if (IncompleteQueryPolls > 0) return new Reply(200, Incomplete("bigquery#queryResponse", query));
        if (query.Error is not null) return QueryError(query);
        return new Reply(200, Page("bigquery#queryResponse", query, 0, null));
    }

    private Reply GetQueryResults(string jobId, Dictionary<string, string> q)
    {
        if (!_queries.TryGetValue(jobId, out var query) || !string.Equals(query.Location, q.GetValueOrDefault("location") ?? "US", StringComparison.OrdinalIgnoreCase))
            return Error(404, "NOT_FOUND", "notFound", $"Not found: Job {Project}:{q.GetValueOrDefault("location")}.{jobId}");
        if (query.Polls < IncompleteQueryPolls)
        {
            query.Polls++;
            if (query.Polls < IncompleteQueryPolls) return new Reply(200, Incomplete("bigquery#getQueryResultsResponse", query));
        }
        if (query.Error is not null) return QueryError(query);
        var offset = 0;
        if (q.TryGetValue("pageToken", out var token))
        {
            if (!query.IssuedTokens.TryGetValue(token, out offset)) return Error(400, "INVALID_ARGUMENT", "invalid", "Invalid page token.");
        }
        int? maxResults = q.TryGetValue("maxResults", out var m) ? int.Parse(m, Inv) : query.MaxResults;
        return new Reply(200, Page("bigquery#getQueryResultsResponse", query, offset, maxResults));
    }

    /// <summary>A failed query job's answer: 400 for a statement BigQuery refuses, 500 for its own failure (backendError).</summary>
    private static Reply QueryError(FakeQuery query) => query.ErrorReason == "backendError"
        ? Error(500, "INTERNAL", query.ErrorReason, query.Error!)
        : Error(400, "INVALID_ARGUMENT", query.ErrorReason, query.Error!);

    private static JsonObject Incomplete(string kind, FakeQuery query) => new()
    {
        ["kind"] = kind,
        ["jobReference"] = query.Reference.DeepClone(),
        ["jobComplete"] = false,
    };

    private JsonObject Page(string kind, FakeQuery query, int offset, int? maxResults)
    {
        var page = new JsonObject { ["kind"] = kind, ["jobReference"] = query.Reference.DeepClone(), ["jobComplete"] = true };
        if (query.DmlAffected is { } affected)
        {
            page["numDmlAffectedRows"] = affected.ToString(Inv);
            return page;
        }
        page["schema"] = new JsonObject { ["fields"] = query.Schema!.DeepClone() };
        page["totalRows"] = query.Rows.Count.ToString(Inv);
        var size = Math.Min(PageSize, maxResults ?? int.MaxValue);
        var rows = new JsonArray();
        foreach (var row in query.Rows.Skip(offset).Take(size))
            rows.Add(new JsonObject { ["f"] = new JsonArray(row.Select(v => (JsonNode)new JsonObject { ["v"] = v is null ? null : JsonValue.Create(v) }).ToArray()) });
        if (rows.Count > 0) page["rows"] = rows;
        if (offset + size < query.Rows.Count)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{query.Reference["jobId"]}:{offset + size}"));
            query.IssuedTokens[token] = offset + size;
            page["pageToken"] = token;
        }
        return page;
    }

    /// <summary>Runs GoogleSQL on DuckDB: backtick identifiers → double quotes, <c>@name</c> → <c>$name</c>, typed parameters.</summary>
    private void Run(FakeQuery query, string sql, JsonArray parameters, string? datasetId)
    {
        var translated = Regex.Replace(sql.Replace('`', '"'), @"@([A-Za-z_][A-Za-z0-9_]*)", "$$$1");
        if (datasetId is not null) Execute($"SET schema = '{datasetId}'");
        var bound = new List<DuckDBParameter>();
        foreach (var p in parameters)
        {
            var name = (string)p!["name"]!;
            var type = (string)p["parameterType"]!["type"]!;
            var value = (string?)p["parameterValue"]?["value"];
            object parameterValue = value is null ? DBNull.Value : type switch
            {
                "STRING" => value,
                "INT64" => long.Parse(value, Inv),
                "NUMERIC" => decimal.Parse(value, Inv),
                "BOOL" => bool.Parse(value),
                "TIMESTAMP" => DateTimeOffset.Parse(value, Inv, DateTimeStyles.AssumeUniversal).UtcDateTime,
                _ => throw new FormatException($"The fake does not bind {type} parameters."),
            };
            bound.Add(new DuckDBParameter(name, parameterValue));
        }
        if (Regex.IsMatch(sql, @"^\s*(MERGE|INSERT|UPDATE|DELETE)\b", RegexOptions.IgnoreCase))
        {
            CheckMergeMatchesOneSourceRowPerTarget(translated, bound);
            using var dml = Command(translated, bound);
            query.DmlAffected = dml.ExecuteNonQuery();
            return;
        }
        using var command = Command(translated, bound);
        using var reader = command.ExecuteReader();
        var schema = new JsonArray();
        for (var i = 0; i < reader.FieldCount; i++)
            schema.Add(new JsonObject { ["name"] = reader.GetName(i), ["type"] = BigQueryType(reader.GetFieldType(i)), ["mode"] = "NULLABLE" });
        query.Schema = schema;
        while (reader.Read())
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : Cell(reader.GetValue(i));
            query.Rows.Add(row);
        }
    }

    /// <summary><c>MERGE [INTO] target [AS] t USING source [AS] s ON condition WHEN …</c>, on the translated text.</summary>
    private static readonly Regex MergeParts = new(
        @"^\s*MERGE\s+(?:INTO\s+)?(?<target>""[^""]+""|\w+)\s+(?:AS\s+)?(?<t>\w+)\s+USING\s+(?<source>.+?)\s+(?:AS\s+)?(?<s>\w+)\s+ON\s+(?<on>.+?)\s+WHEN\s",
        RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);

    /// <summary>
    /// BigQuery fails a MERGE with a WHEN MATCHED clause when a target row matches more than one source row ("UPDATE/MERGE
    /// must match at most one source row for each target row"), where DuckDB would apply each of them: checked first.
    /// </summary>
    private void CheckMergeMatchesOneSourceRowPerTarget(string translated, List<DuckDBParameter> parameters)
    {
        if (!Regex.IsMatch(translated, @"\bWHEN\s+MATCHED\b", RegexOptions.IgnoreCase)) return;
        var merge = MergeParts.Match(translated);
        if (!merge.Success) throw new InvalidOperationException("The fake cannot read this MERGE statement's target, source and condition.");
        var (t, s) = (merge.Groups["t"].Value, merge.Groups["s"].Value);
        using var check = Command($"""
            SELECT COUNT(*) FROM (
              SELECT {t}.rowid
              FROM {merge.Groups["target"].Value} AS {t} JOIN {merge.Groups["source"].Value} AS {s} ON {merge.Groups["on"].Value}
              GROUP BY {t}.rowid
              HAVING COUNT(*) > 1
            )
            """, parameters);
        if (Convert.ToInt64(check.ExecuteScalar(), Inv) > 0)
            throw new InvalidOperationException("UPDATE/MERGE must match at most one source row for each target row");
    }

    /// <summary>A command over <paramref name="sql"/> with those of <paramref name="parameters"/> it names.</summary>
    private DuckDBCommand Command(string sql, List<DuckDBParameter> parameters)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters)
            if (Regex.IsMatch(sql, $@"\${Regex.Escape(p.ParameterName)}\b")) command.Parameters.Add(new DuckDBParameter(p.ParameterName, p.Value));
        return command;
    }

    private static string BigQueryType(Type type) => type switch
    {
        _ when type == typeof(string) => "STRING",
        _ when type == typeof(long) || type == typeof(int) || type == typeof(short) || type == typeof(BigInteger) || type == typeof(Int128) => "INTEGER",
        _ when type == typeof(decimal) => "NUMERIC",
        _ when type == typeof(double) || type == typeof(float) => "FLOAT",
        _ when type == typeof(bool) => "BOOLEAN",
        _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => "TIMESTAMP",
        _ => throw new InvalidOperationException($"The fake has no BigQuery type for {type}."),
    };

    /// <summary>Cells as BigQuery writes them: strings; NUMERIC without trailing zeros; TIMESTAMP as float seconds in E-notation.</summary>
    private static string Cell(object value) => value switch
    {
        string s => s,
        decimal d => d.ToString("0.#############################", Inv),
        double f => double.IsNaN(f) ? "NaN" : double.IsPositiveInfinity(f) ? "Infinity" : double.IsNegativeInfinity(f) ? "-Infinity" : f.ToString("R", Inv),
        bool b => b ? "true" : "false",
        DateTime t => TimestampCell(t),
        DateTimeOffset t => TimestampCell(t.UtcDateTime),
        IFormattable n => n.ToString(null, Inv),
        _ => value.ToString()!,
    };

    /// <summary>1746086400.123456 → <c>1.746086400123456E9</c>, as the REST API answers.</summary>
    public static string TimestampCell(DateTime utc)
    {
        var micros = (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        var seconds = (micros / 1_000_000m).ToString("0.######", Inv);
        var point = seconds.IndexOf('.');
        var integerDigits = point < 0 ? seconds.Length : point;
        if (micros < 1_000_000 || integerDigits < 2) return seconds;
        var digits = seconds.Replace(".", "");
        var fraction = digits[1..].TrimEnd('0');
        return $"{digits[0]}.{(fraction.Length == 0 ? "0" : fraction)}E{integerDigits - 1}";
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private static string CreateTableSql(string datasetId, string tableId, JsonArray fields, bool replace)
    {
        var columns = fields.Select(f =>
        {
            var type = (string)f!["type"]! switch
            {
                "STRING" => "VARCHAR",
                "INT64" or "INTEGER" => "BIGINT",
                "NUMERIC" => "DECIMAL(38, 9)",
                "FLOAT64" or "FLOAT" => "DOUBLE",
                "BOOL" or "BOOLEAN" => "BOOLEAN",
                "TIMESTAMP" => "TIMESTAMP",
                "DATE" => "DATE",
                var other => throw new InvalidOperationException($"The fake does not store {other} columns."),
            };
            return $"\"{(string)f["name"]!}\" {type}{((string?)f["mode"] == "REQUIRED" ? " NOT NULL" : "")}";
        });
        return $"CREATE {(replace ? "OR REPLACE " : "")}TABLE \"{datasetId}\".\"{tableId}\" ({string.Join(", ", columns)})";
    }

    private void Execute(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static Reply Error(int code, string status, string reason, string message) => new(code, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["errors"] = new JsonArray { new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason } },
            ["status"] = status,
        },
    });

    private sealed record Reply(int Status, JsonNode? Body);

    private sealed class FakeJob(JsonObject resource, string location, JsonObject? failure)
    {
        public string Location { get; } = location;
        public int Polls { get; set; }

        public JsonObject Render(int untilRunning, int untilDone)
        {
            var job = resource.DeepClone().AsObject();
            var state = Polls >= untilDone ? "DONE" : Polls >= untilRunning ? "RUNNING" : "PENDING";
            var status = new JsonObject { ["state"] = state };
            if (state == "DONE" && failure is not null)
                foreach (var (key, value) in failure) status[key] = value!.DeepClone();
            job["status"] = status;
            return job;
        }
    }

    private sealed class FakeQuery(JsonObject reference, string location)
    {
        public JsonObject Reference { get; } = reference;
        public string Location { get; } = location;
        public int Polls { get; set; }
        public string? Error { get; set; }
        public string ErrorReason { get; set; } = "invalidQuery";
        public long? DmlAffected { get; set; }
        public JsonArray? Schema { get; set; }
        public List<string?[]> Rows { get; } = [];
        public int? MaxResults { get; set; }
        public Dictionary<string, int> IssuedTokens { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>One request as the fake received it, with the discovery method it matched.</summary>
public sealed record RecordedRequest(
    string HttpMethod, string Path, IReadOnlyList<KeyValuePair<string, string>> Query, string? MethodId, string? ContentType,
    byte[] Body, string Authorization)
{
    public string? QueryValue(string name) => Query.Where(q => q.Key == name).Select(q => q.Value).FirstOrDefault();

    /// <summary>The JSON body, or for an upload the JSON metadata part.</summary>
    public JsonNode? Json()
    {
        if (Body.Length == 0) return null;
        if (ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
            return JsonNode.Parse(MultipartRelated.Parse(ContentType, Body, out _)![0].Body);
        return JsonNode.Parse(Body);
    }

    /// <summary>For an upload, the media part.</summary>
    public byte[] Media() => MultipartRelated.Parse(ContentType, Body, out _)![1].Body;
}
