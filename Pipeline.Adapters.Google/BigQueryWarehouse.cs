using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Google;

/// <summary>
/// The warehouse on BigQuery. Loads go through staging tables (<c>_stg_products_&lt;refreshId&gt;</c>,
/// <c>_stg_price_observations_&lt;refreshId&gt;</c>, WRITE_TRUNCATE) and a MERGE keyed by product_id and by
/// (product_id, run_id), so a repeated or retried refresh adds nothing; the staging tables are dropped afterwards, and
/// those a refresh left behind (it died between its load and its MERGE) are dropped by a later
/// <see cref="EnsureSchemaAsync"/> once older than <see cref="BigQueryOptions.StagingTableMaxAge"/>.
/// Metric definitions: docs/metrics.md.
/// </summary>
public sealed class BigQueryWarehouse : IWarehouse
{
    private readonly BigQueryClient _client;
    private readonly BigQueryOptions _options;
    private readonly ILogger<BigQueryWarehouse> _logger;
    private readonly TimeProvider _time;

    public BigQueryWarehouse(
        BigQueryClient client, IOptions<BigQueryOptions> options, ILogger<BigQueryWarehouse> logger, TimeProvider? timeProvider = null)
    {
        _client = client;
        _options = options.Value;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string ProviderName => "BigQuery";

    /// <inheritdoc />
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await _client.CreateDatasetIfMissingAsync(_options.DatasetId, ct).ConfigureAwait(false);
        await _client.CreateTableIfMissingAsync(BigQueryWarehouseSchema.ProductsTable(_options.ProjectId, _options.DatasetId), ct)
            .ConfigureAwait(false);
        await _client.CreateTableIfMissingAsync(BigQueryWarehouseSchema.PriceObservationsTable(_options.ProjectId, _options.DatasetId), ct)
            .ConfigureAwait(false);
        await DropStaleStagingTablesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the staging tables created more than <see cref="BigQueryOptions.StagingTableMaxAge"/> ago: left by a refresh
    /// that died before its own cleanup (a younger one may belong to a refresh still running). Housekeeping: a table
    /// that cannot be listed or dropped now is logged and tried again by the next call.
    /// </summary>
    private async Task DropStaleStagingTablesAsync(CancellationToken ct)
    {
        var createdBefore = _time.GetUtcNow() - _options.StagingTableMaxAge;
        var stale = new List<string>();
        try
        {
            await foreach (var table in _client.ListTablesAsync(_options.DatasetId, maxResults: null, ct).ConfigureAwait(false))
            {
                var id = table.TableReference.TableId;
                if (BigQueryWarehouseSchema.IsStagingTable(id)
                    && table.CreationTime is { } created && DateTimeOffset.FromUnixTimeMilliseconds(created) < createdBefore)
                    stale.Add(id);
            }
        }
        catch (Exception ex) when (IsHousekeepingFailure(ex, ct))
        {
            _logger.LogWarning(ex, "Could not list the tables of dataset {Dataset} to drop stale staging tables", _options.DatasetId);
            return;
        }
        foreach (var table in stale)
        {
            try
            {
                await _client.DeleteTableAsync(_options.DatasetId, table, ct).ConfigureAwait(false);
                _logger.LogWarning("Dropped staging table {Table}, left by a refresh that did not finish", table);
            }
            catch (Exception ex) when (IsHousekeepingFailure(ex, ct))
            {
                _logger.LogWarning(ex, "Could not drop the stale staging table {Table}", table);
            }
        }
    }

    /// <summary>BigQuery's refusal, a network failure or an HTTP timeout; not the caller's cancellation.</summary>
    private static bool IsHousekeepingFailure(Exception ex, CancellationToken ct) =>
        ex is BigQueryException or HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested);

    /// <inheritdoc />
    public async Task<WarehouseLoadResult> LoadAsync(
        string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(refreshId);
        var loadedAt = TruncateToMicroseconds(_time.GetUtcNow());
        var productStage = BigQueryWarehouseSchema.StagingTable(BigQueryWarehouseSchema.Products, refreshId);
        var observationStage = BigQueryWarehouseSchema.StagingTable(BigQueryWarehouseSchema.PriceObservations, refreshId);
        try
        {
            long productsLoaded = 0, observationsLoaded = 0;
            var staged = await StageAsync(productStage, BigQueryWarehouseSchema.StagedProductFields, products, WriteProduct, ct)
                .ConfigureAwait(false);
            if (staged > 0)
            {
                var merged = await _client.QueryAsync(BigQueryWarehouseSql.MergeProducts(productStage, refreshId, loadedAt), ct)
                    .ConfigureAwait(false);
                productsLoaded = merged.NumDmlAffectedRows ?? staged;
            }

            staged = await StageAsync(observationStage, BigQueryWarehouseSchema.PriceObservationFields, observations, WriteObservation, ct)
                .ConfigureAwait(false);
            if (staged > 0)
            {
                var merged = await _client.QueryAsync(BigQueryWarehouseSql.MergePriceObservations(observationStage), ct)
                    .ConfigureAwait(false);
                observationsLoaded = merged.NumDmlAffectedRows ?? 0;
            }

            _logger.LogInformation("BigQuery refresh {RefreshId}: {Products} products merged, {Observations} new price observations",
                refreshId, productsLoaded, observationsLoaded);
            return new WarehouseLoadResult(productsLoaded, observationsLoaded);
        }
        finally
        {
            await DropQuietlyAsync(productStage).ConfigureAwait(false);
            await DropQuietlyAsync(observationStage).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CategoryMetric>> TopCategoriesAsync(string? source, int limit, CancellationToken ct)
    {
        var result = await _client.QueryAsync(BigQueryWarehouseSql.TopCategories(source, CheckLimit(limit)), ct).ConfigureAwait(false);
        return result.Rows.Select(r => new CategoryMetric(
            r.GetString("category"), r.GetInt64("product_count"), r.GetDecimal("avg_price"), r.GetDecimal("min_price"),
            r.GetDecimal("max_price"), r.GetNullableDecimal("avg_rating"), r.GetInt64("total_stock"))).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheapProduct>> CheapestProductsAsync(string? source, string? category, int limit, CancellationToken ct)
    {
        var result = await _client.QueryAsync(BigQueryWarehouseSql.CheapestProducts(source, category, CheckLimit(limit)), ct)
            .ConfigureAwait(false);
        return result.Rows.Select(r => new CheapProduct(
            r.GetString("product_id"), r.GetString("title"), r.GetString("category"), r.GetDecimal("price"))).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PriceChange>> PriceChangesAsync(string? source, int limit, CancellationToken ct)
    {
        var result = await _client.QueryAsync(BigQueryWarehouseSql.PriceChanges(source, CheckLimit(limit)), ct).ConfigureAwait(false);
        return result.Rows.Select(ToPriceChange).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PriceChange>> BiggestMovesAsync(
        string? source, DateTimeOffset since, bool drops, int limit, CancellationToken ct)
    {
        var result = await _client.QueryAsync(BigQueryWarehouseSql.BiggestMoves(source, since, drops, CheckLimit(limit)), ct)
            .ConfigureAwait(false);
        return result.Rows.Select(ToPriceChange).ToList();
    }

    /// <inheritdoc />
    public async Task<PriceChangeSummary> PriceChangeSummaryAsync(string? source, TimeSpan window, PriceChangeBucket bucket, CancellationToken ct)
    {
        var range = PriceChangeWindow.Ending(_time.GetUtcNow(), window, bucket);
        var result = await _client.QueryAsync(
            BigQueryWarehouseSql.PriceChangeSummary(source, range.Start, range.End, hourly: bucket == PriceChangeBucket.Hour), ct).ConfigureAwait(false);
        return range.Summarize(result.Rows.Select(r => new PriceChangeBucketCount(
            r.GetTimestamp("bucket_day").AddHours(bucket == PriceChangeBucket.Hour ? r.GetInt64("bucket_hour") : 0), r.GetInt64("drops"), r.GetInt64("rises"))));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PricePoint>> PriceHistoryAsync(string productId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(productId);
        var result = await _client.QueryAsync(BigQueryWarehouseSql.PriceHistory(productId), ct).ConfigureAwait(false);
        return result.Rows.Select(r => new PricePoint(r.GetDecimal("price"), r.GetTimestamp("observed_at"), r.GetString("run_id"))).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct)
    {
        var result = await _client.QueryAsync(BigQueryWarehouseSql.CountsBySource(), ct).ConfigureAwait(false);
        return result.Rows.Select(r => new SourceCounts(r.GetString("source"), r.GetInt64("product_count"), r.GetInt64("observation_count")))
            .ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WarehouseQuality>> QualityAsync(CancellationToken ct)
    {
        var result = await _client.QueryAsync(BigQueryWarehouseSql.Quality(), ct).ConfigureAwait(false);
        return result.Rows.Select(r => new WarehouseQuality(r.GetString("source"), r.GetInt64("row_count"), r.GetInt64("duplicate_ids"),
            r.GetInt64("invalid_prices"), r.GetInt64("missing_fields"))).ToList();
    }

    /// <inheritdoc />
    /// <summary>The dataset's metadata (a free call, unlike a query).</summary>
    public async Task PingAsync(CancellationToken ct)
    {
        if (await _client.GetDatasetAsync(_options.DatasetId, ct).ConfigureAwait(false) is null)
            throw new InvalidOperationException($"BigQuery dataset '{_options.DatasetId}' does not exist.");
    }

    public async Task<DateTimeOffset?> AsOfAsync(CancellationToken ct)
    {
        var result = await _client.QueryAsync(BigQueryWarehouseSql.AsOf(), ct).ConfigureAwait(false);
        return result.Rows.Count == 0 ? null : result.Rows[0].GetNullableTimestamp("as_of");
    }

    private static PriceChange ToPriceChange(BigQueryRow r) => new(
        r.GetString("product_id"), r.GetString("title"), r.GetString("category"), r.GetDecimal("old_price"),
        r.GetDecimal("new_price"), r.GetDecimal("change_pct"), r.GetTimestamp("observed_at"));

    private static int CheckLimit(int limit) =>
        limit is >= 1 and <= 10_000 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be 1..10000.");

    /// <summary>
    /// Writes the rows as newline-delimited JSON into the staging table: the first load WRITE_TRUNCATE (so a retried
    /// refresh starts clean), further loads WRITE_APPEND when the rows exceed <see cref="BigQueryOptions.MaxUploadBytes"/>.
    /// Memory stays at one upload's bytes whatever the row count: duplicate keys are staged as they come and left to the
    /// MERGE, which reads one row per key.
    /// </summary>
    private async Task<long> StageAsync<T>(
        string table, IReadOnlyList<TableFieldSchema> fields, IAsyncEnumerable<T> items, Action<Utf8JsonWriter, T> write, CancellationToken ct)
    {
        var batch = new ArrayBufferWriter<byte>();
        var line = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(line);
        long rows = 0;
        var loads = 0;
        await foreach (var item in items.WithCancellation(ct).ConfigureAwait(false))
        {
            line.ResetWrittenCount();
            writer.Reset(line);
            write(writer, item);
            writer.Flush();
            if (batch.WrittenCount > 0 && batch.WrittenCount + line.WrittenCount + 1 > _options.MaxUploadBytes)
            {
                await LoadStagingAsync(table, fields, batch.WrittenMemory, loads++ == 0, ct).ConfigureAwait(false);
                batch.ResetWrittenCount();
            }
            batch.Write(line.WrittenSpan);
            batch.Write("\n"u8);
            rows++;
        }
        if (batch.WrittenCount > 0) await LoadStagingAsync(table, fields, batch.WrittenMemory, loads++ == 0, ct).ConfigureAwait(false);
        return rows;
    }

    private Task<JobResource> LoadStagingAsync(
        string table, IReadOnlyList<TableFieldSchema> fields, ReadOnlyMemory<byte> ndjson, bool first, CancellationToken ct) =>
        _client.LoadAsync(new JobConfigurationLoad
        {
            DestinationTable = new TableReference(_options.ProjectId, _options.DatasetId, table),
            SourceFormat = "NEWLINE_DELIMITED_JSON",
            Schema = new TableSchema(fields),
            WriteDisposition = first ? "WRITE_TRUNCATE" : "WRITE_APPEND",
            CreateDisposition = "CREATE_IF_NEEDED",
            IgnoreUnknownValues = false,
            MaxBadRecords = 0,
        }, ndjson, ct);

    private async Task DropQuietlyAsync(string table)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _client.DeleteTableAsync(_options.DatasetId, table, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BigQueryException or HttpRequestException or OperationCanceledException)
        {
            _logger.LogWarning(ex, "Could not drop staging table {Table}; a schema check drops it once older than {MaxAge}",
                table, _options.StagingTableMaxAge);
        }
    }

    private static void WriteProduct(Utf8JsonWriter w, Product p)
    {
        w.WriteStartObject();
        w.WriteString("product_id", p.Id);
        w.WriteString("source", p.Source);
        w.WriteString("source_id", p.SourceId);
        w.WriteString("title", p.Title);
        w.WriteString("category", p.Category);
        WriteNullable(w, "brand", p.Brand);
        w.WriteNumber("price", p.Price);
        if (p.Rating is { } rating) w.WriteNumber("rating", rating); else w.WriteNull("rating");
        if (p.Stock is { } stock) w.WriteNumber("stock", stock); else w.WriteNull("stock");
        WriteNullable(w, "availability", p.Availability);
        w.WriteString("content_hash", p.ContentHash);
        if (p.LastChanged == default) w.WriteNull("last_changed");
        else w.WriteString("last_changed", BigQueryParameter.FormatTimestamp(p.LastChanged));
        w.WriteEndObject();
    }

    private static void WriteObservation(Utf8JsonWriter w, PriceObservation o)
    {
        if (!ProductId.TryParse(o.ProductId, out var source, out _))
            throw new ArgumentException($"Price observation has the malformed product id '{o.ProductId}'.");
        w.WriteStartObject();
        w.WriteString("product_id", o.ProductId);
        w.WriteString("source", source);
        w.WriteString("run_id", o.RunId);
        w.WriteNumber("price", o.Price);
        if (o.PreviousPrice is { } previous) w.WriteNumber("previous_price", previous); else w.WriteNull("previous_price");
        w.WriteString("observed_at", BigQueryParameter.FormatTimestamp(o.ObservedAt));
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
}
