using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Adapters.Google;

/// <summary>
/// A small typed client for the BigQuery REST API v2: datasets.get/insert, tables.insert/delete/list, load jobs by multipart
/// upload (jobs.insert + jobs.get until DONE), and GoogleSQL queries with named parameters (jobs.query +
/// jobs.getQueryResults until <c>jobComplete</c>, then every page). Bound to one project and location
/// (<see cref="BigQueryOptions"/>). Replaceable by Google.Cloud.BigQuery.V2 when that package is available.
/// </summary>
public sealed class BigQueryClient
{
    /// <summary>Server-side wait per jobs.query/getQueryResults call; the server answers earlier when the job finishes.</summary>
    private const int QueryWaitMs = 10_000;

    private readonly HttpClient _http;
    private readonly IBigQueryAccessTokenSource _tokens;
    private readonly BigQueryOptions _options;
    private readonly ILogger<BigQueryClient> _logger;
    private readonly TimeProvider _time;
    private readonly Uri _baseUrl;
    private readonly Uri _uploadBaseUrl;

    public BigQueryClient(
        HttpClient http,
        IBigQueryAccessTokenSource tokens,
        IOptions<BigQueryOptions> options,
        ILogger<BigQueryClient> logger,
        TimeProvider? timeProvider = null)
    {
        _http = http;
        _tokens = tokens;
        _options = options.Value;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _baseUrl = _options.ResolvedBaseUrl;
        _uploadBaseUrl = _options.ResolvedUploadBaseUrl;
    }

    public string ProjectId => _options.ProjectId;

    public string Location => _options.Location;

    /// <summary>datasets.get; null when the dataset does not exist (404).</summary>
    public async Task<DatasetResource?> GetDatasetAsync(string datasetId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(_baseUrl, $"projects/{Seg(ProjectId)}/datasets/{Seg(datasetId)}"));
        return await SendAsync(request, "bigquery.datasets.get", BigQueryJsonContext.Default.DatasetResource, notFoundIsNull: true, ct)
            .ConfigureAwait(false);
    }

    /// <summary>datasets.insert.</summary>
    public async Task<DatasetResource> InsertDatasetAsync(DatasetResource dataset, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(_baseUrl, $"projects/{Seg(ProjectId)}/datasets"))
        {
            Content = Json(dataset, BigQueryJsonContext.Default.DatasetResource),
        };
        return (await SendAsync(request, "bigquery.datasets.insert", BigQueryJsonContext.Default.DatasetResource, false, ct).ConfigureAwait(false))!;
    }

    /// <summary>Creates the dataset in the configured location unless it exists. True when it was created.</summary>
    public async Task<bool> CreateDatasetIfMissingAsync(string datasetId, CancellationToken ct)
    {
        if (await GetDatasetAsync(datasetId, ct).ConfigureAwait(false) is not null) return false;
        try
        {
            await InsertDatasetAsync(new DatasetResource
            {
                DatasetReference = new DatasetReference(ProjectId, datasetId),
                Location = Location,
                Description = "Pipeline warehouse: current products and price observations.",
            }, ct).ConfigureAwait(false);
            _logger.LogInformation("Created BigQuery dataset {Project}.{Dataset} in {Location}", ProjectId, datasetId, Location);
            return true;
        }
        catch (BigQueryApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            return false; // created concurrently
        }
    }

    /// <summary>tables.insert.</summary>
    public async Task<TableResource> InsertTableAsync(TableResource table, CancellationToken ct)
    {
        var reference = table.TableReference;
        using var request = new HttpRequestMessage(HttpMethod.Post,
            Url(_baseUrl, $"projects/{Seg(reference.ProjectId)}/datasets/{Seg(reference.DatasetId)}/tables"))
        {
            Content = Json(table, BigQueryJsonContext.Default.TableResource),
        };
        return (await SendAsync(request, "bigquery.tables.insert", BigQueryJsonContext.Default.TableResource, false, ct).ConfigureAwait(false))!;
    }

    /// <summary>tables.insert, treating 409 (already exists) as success. True when the table was created.</summary>
    public async Task<bool> CreateTableIfMissingAsync(TableResource table, CancellationToken ct)
    {
        try
        {
            await InsertTableAsync(table, ct).ConfigureAwait(false);
            _logger.LogInformation("Created BigQuery table {Dataset}.{Table}", table.TableReference.DatasetId, table.TableReference.TableId);
            return true;
        }
        catch (BigQueryApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>tables.delete; false when the table did not exist.</summary>
    public async Task<bool> DeleteTableAsync(string datasetId, string tableId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete,
            Url(_baseUrl, $"projects/{Seg(ProjectId)}/datasets/{Seg(datasetId)}/tables/{Seg(tableId)}"));
        using var response = await SendRawAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, "bigquery.tables.delete", ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// tables.list: every table of the dataset, page by page (<c>nextPageToken</c>), each with its reference, type and
    /// creation time. <paramref name="maxResults"/> bounds one page; null leaves it to the server.
    /// </summary>
    public async IAsyncEnumerable<TableListItem> ListTablesAsync(
        string datasetId, int? maxResults, [EnumeratorCancellation] CancellationToken ct)
    {
        if (maxResults is <= 0) throw new ArgumentOutOfRangeException(nameof(maxResults), maxResults, "maxResults must be positive.");
        string? pageToken = null;
        do
        {
            var url = Url(_baseUrl, $"projects/{Seg(ProjectId)}/datasets/{Seg(datasetId)}/tables",
                ("maxResults", maxResults?.ToString(CultureInfo.InvariantCulture)),
                ("pageToken", pageToken));
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var page = (await SendAsync(request, "bigquery.tables.list", BigQueryJsonContext.Default.TableList, false, ct).ConfigureAwait(false))!;
            foreach (var table in page.Tables ?? []) yield return table;
            pageToken = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        } while (pageToken is not null);
    }

    /// <summary>jobs.get.</summary>
    public async Task<JobResource> GetJobAsync(JobReference job, CancellationToken ct)
    {
        var url = Url(_baseUrl, $"projects/{Seg(job.ProjectId)}/jobs/{Seg(job.JobId)}", ("location", job.Location));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return (await SendAsync(request, "bigquery.jobs.get", BigQueryJsonContext.Default.JobResource, false, ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// jobs.insert of a load job by multipart upload (<c>uploadType=multipart</c>): part one the Job metadata as JSON,
    /// part two the newline-delimited JSON rows. Our own job id makes a retried insert idempotent (409 → the existing job).
    /// </summary>
    public async Task<JobResource> InsertLoadJobAsync(JobConfigurationLoad load, ReadOnlyMemory<byte> ndjson, CancellationToken ct)
    {
        var reference = new JobReference(ProjectId, NewJobId("load"), Location);
        var job = new JobResource { JobReference = reference, Configuration = new JobConfiguration { Load = load } };
        var boundary = "bq_" + Guid.NewGuid().ToString("N");
        var metadata = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(job, BigQueryJsonContext.Default.JobResource));
        metadata.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=UTF-8");
        var data = new ReadOnlyMemoryContent(ndjson);
        data.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var body = new MultipartContent("related", boundary) { metadata, data };
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/related; boundary=" + boundary);

        var url = Url(_uploadBaseUrl, $"projects/{Seg(ProjectId)}/jobs", ("uploadType", "multipart"));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
        _logger.LogInformation("Starting BigQuery load job {JobId} into {Table} ({Bytes} bytes, {Disposition})",
            reference.JobId, load.DestinationTable.TableId, ndjson.Length, load.WriteDisposition);
        try
        {
            return (await SendAsync(request, "bigquery.jobs.insert", BigQueryJsonContext.Default.JobResource, false, ct).ConfigureAwait(false))!;
        }
        catch (BigQueryApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            _logger.LogInformation("Load job {JobId} already exists (retried insert); following it", reference.JobId);
            return await GetJobAsync(reference, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Polls jobs.get until <c>status.state</c> is DONE; throws <see cref="BigQueryJobException"/> on <c>errorResult</c>.</summary>
    public async Task<JobResource> WaitForJobAsync(JobResource job, CancellationToken ct)
    {
        var reference = job.JobReference ?? throw new ArgumentException("The job has no jobReference.", nameof(job));
        var deadline = _time.GetUtcNow() + _options.JobTimeout;
        var polls = 0;
        while (!string.Equals(job.Status?.State, "DONE", StringComparison.Ordinal))
        {
            if (_time.GetUtcNow() > deadline)
                throw new BigQueryJobException(reference, null, null,
                    $"BigQuery job {reference.JobId} was still {job.Status?.State ?? "unknown"} after {_options.JobTimeout}.");
            if (polls++ > 0 && _options.JobPollInterval > TimeSpan.Zero)
                await Task.Delay(_options.JobPollInterval, _time, ct).ConfigureAwait(false);
            job = await GetJobAsync(reference, ct).ConfigureAwait(false);
        }
        if (job.Status?.ErrorResult is { } error)
        {
            _logger.LogWarning("BigQuery job {JobId} failed: {Reason} {Message}", reference.JobId, error.Reason, error.Message);
            throw new BigQueryJobException(reference, error, job.Status.Errors);
        }
        _logger.LogInformation("BigQuery job {JobId} done after {Polls} polls", reference.JobId, polls);
        return job;
    }

    /// <summary>A load job from start to DONE.</summary>
    public async Task<JobResource> LoadAsync(JobConfigurationLoad load, ReadOnlyMemory<byte> ndjson, CancellationToken ct)
    {
        var job = await InsertLoadJobAsync(load, ndjson, ct).ConfigureAwait(false);
        return await WaitForJobAsync(job, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a GoogleSQL statement (<c>useLegacySql=false</c>, named parameters, the configured dataset as default):
    /// jobs.query, then jobs.getQueryResults until <c>jobComplete</c>, then every page by <c>pageToken</c>;
    /// rows are converted with the result schema's types.
    /// </summary>
    public async Task<BigQueryQueryResult> QueryAsync(BigQueryStatement statement, CancellationToken ct)
    {
        var body = new QueryRequest
        {
            Query = statement.Sql,
            UseLegacySql = false,
            ParameterMode = statement.Parameters.Count > 0 ? "NAMED" : null,
            QueryParameters = statement.Parameters.Count > 0 ? statement.Parameters : null,
            DefaultDataset = new DatasetReference(ProjectId, _options.DatasetId),
            Location = Location,
            RequestId = Guid.NewGuid().ToString(),
            TimeoutMs = QueryWaitMs,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(_baseUrl, $"projects/{Seg(ProjectId)}/queries"))
        {
            Content = Json(body, BigQueryJsonContext.Default.QueryRequest),
        };
        var page = (await SendAsync(request, "bigquery.jobs.query", BigQueryJsonContext.Default.QueryResultsPage, false, ct).ConfigureAwait(false))!;

        var deadline = _time.GetUtcNow() + _options.JobTimeout;
        var job = page.JobReference;
        while (page.JobComplete != true)
        {
            if (job is null) throw new BigQueryException("jobs.query answered jobComplete=false without a jobReference.");
            if (_time.GetUtcNow() > deadline)
                throw new BigQueryJobException(job, null, null, $"BigQuery query job {job.JobId} did not complete within {_options.JobTimeout}.");
            page = await GetQueryResultsAsync(job, pageToken: null, ct).ConfigureAwait(false);
            job = page.JobReference ?? job;
        }

        var schema = page.Schema ?? new TableSchema([]);
        var rows = new List<BigQueryRow>();
        var dmlRows = page.NumDmlAffectedRows;
        while (true)
        {
            foreach (var row in page.Rows ?? []) rows.Add(BigQueryValueConverter.ConvertRow(schema.Fields, row));
            if (string.IsNullOrEmpty(page.PageToken)) break;
            if (job is null) throw new BigQueryException("A query result has a pageToken but no jobReference to page with.");
            page = await GetQueryResultsAsync(job, page.PageToken, ct).ConfigureAwait(false);
        }
        if (dmlRows is null && schema.Fields.Count > 0 && page.TotalRows is { } total && total != rows.Count)
            throw new BigQueryException($"Query job {job?.JobId} reported {total} rows but {rows.Count} were returned.");
        _logger.LogDebug("BigQuery query job {JobId}: {Rows} rows, {Dml} DML rows", job?.JobId, rows.Count, dmlRows);
        return new BigQueryQueryResult(schema, rows, dmlRows, job);
    }

    /// <summary>jobs.getQueryResults for one page (or one wait for completion when <paramref name="pageToken"/> is null).</summary>
    public async Task<QueryResultsPage> GetQueryResultsAsync(JobReference job, string? pageToken, CancellationToken ct)
    {
        var url = Url(_baseUrl, $"projects/{Seg(job.ProjectId)}/queries/{Seg(job.JobId)}",
            ("location", job.Location ?? Location),
            ("timeoutMs", QueryWaitMs.ToString(CultureInfo.InvariantCulture)),
            ("pageToken", pageToken));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return (await SendAsync(request, "bigquery.jobs.getQueryResults", BigQueryJsonContext.Default.QueryResultsPage, false, ct)
            .ConfigureAwait(false))!;
    }

    private async Task<T?> SendAsync<T>(HttpRequestMessage request, string operation, JsonTypeInfo<T> type, bool notFoundIsNull, CancellationToken ct)
        where T : class
    {
        using var response = await SendRawAsync(request, ct).ConfigureAwait(false);
        if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, operation, ct).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(stream, type, ct).ConfigureAwait(false)
               ?? throw new BigQueryException($"BigQuery {operation} answered with an empty body.");
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var token = await _tokens.GetAccessTokenAsync(ct).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
    }

    private static async Task<BigQueryApiException> ToExceptionAsync(HttpResponseMessage response, string operation, CancellationToken ct)
    {
        GoogleError? error = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(text))
                error = JsonSerializer.Deserialize(text, BigQueryJsonContext.Default.GoogleErrorResponse)?.Error;
        }
        catch (JsonException)
        {
            // not Google's envelope (a proxy's page, say): the status code alone has to do
        }
        return new BigQueryApiException(response.StatusCode, operation, error?.Message ?? response.ReasonPhrase, error?.Status, error?.Errors);
    }

    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
        return content;
    }

    private static Uri Url(Uri root, string relative, params (string Name, string? Value)[] query)
    {
        var parts = query.Where(q => q.Value is not null).Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value!)}").ToList();
        return new Uri(root, parts.Count == 0 ? relative : relative + "?" + string.Join('&', parts));
    }

    private static string Seg(string value) => Uri.EscapeDataString(value);

    private static string NewJobId(string kind) => $"pipeline_{kind}_{Guid.NewGuid():N}";
}
