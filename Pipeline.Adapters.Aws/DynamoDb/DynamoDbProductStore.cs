using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Core.Caching;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using P = Pipeline.Adapters.Aws.DynamoDb.ProductItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// Current product state, price history and quarantine on DynamoDB (tables and indexes: docs/dynamodb-design.md).
/// </summary>
/// <remarks>
/// Upserts are optimistic: the current content hash of each product is read (one BatchGetItem), the price observations
/// that follow from it are written (BatchWriteItem, keyed by product and by the product version they replace, so a
/// repeat overwrites instead of adding), then each product is written with a condition on the hash that was read. A
/// writer that lost a race (ConditionalCheckFailed) re-reads that product and decides again. Observations are written
/// before the product so that a crash in between is repaired by the next upsert of that product, which recomputes the
/// same observation key, whether it is a re-delivery in the same run or a retry in a new run.
/// </remarks>
public sealed class DynamoDbProductStore : IProductStore
{
    private const int MaxConditionalAttempts = 10;
    private const int MaxPageSize = 500;

    private readonly IAmazonDynamoDB _db;
    private readonly DynamoDbStoreOptions _options;
    private readonly ILogger _logger;
    private readonly DynamoDbBatches _batches;
    private readonly CategoryCache _categories;

    /// <summary>
    /// How long a category list is kept at most: listing reads the whole title index (every product), and other
    /// processes (the Lambdas) write products this one does not see. This process's own writes invalidate it at once.
    /// </summary>
    public static readonly TimeSpan CategoriesMaxAge = TimeSpan.FromMinutes(1);

    public DynamoDbProductStore(IAmazonDynamoDB client, DynamoDbStoreOptions options, ILogger<DynamoDbProductStore>? logger = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _db = client;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _batches = new DynamoDbBatches(client, _logger);
        _categories = new CategoryCache(clock ?? TimeProvider.System, TimeSpan.Zero, CategoriesMaxAge);
    }

    public string ProviderName => "DynamoDB";

    public Task EnsureCreatedAsync(CancellationToken ct) =>
        _options.CreateTablesIfMissing
            ? DynamoDbTables.EnsureCreatedAsync(_db, DynamoDbTables.ProductStoreTables(_options), _logger, ct)
            : Task.CompletedTask;

    // ---------------------------------------------------------------- upsert

    /// <summary>What an upsert does to a product; <c>Older</c>: observed before the store's last sighting (a replayed page, a late re-delivery), so nothing.</summary>
    private enum Change { Inserted, Unchanged, Changed, PriceChanged, Older }

    private sealed record Stored(string ContentHash, decimal Price, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset LastChanged);

    private sealed record Decision(Product Product, Stored? Existing, Change Change, PriceObservation? Observation)
    {
        /// <summary>Sort key of the observation: the version it replaces (see <see cref="PriceHistoryItems.Sk"/>).</summary>
        public string ObservationKey => PriceHistoryItems.KeyAfter(Existing?.LastChanged);
    }

    public async Task<UpsertOutcome> UpsertAsync(IReadOnlyList<Product> products, string runId, DateTimeOffset observedAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(products);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        if (products.Count == 0) return new UpsertOutcome(0, 0, 0);

        // Products with the same id in one call are applied in order; only the first is decided from the snapshot.
        var groups = products.GroupBy(p => p.Id, StringComparer.Ordinal).ToList();
        var snapshot = await ReadStoredAsync(groups.Select(g => g.Key).ToList(), ct).ConfigureAwait(false);
        var decisions = groups.Select(g => Decide(g.First(), snapshot.GetValueOrDefault(g.Key), runId, observedAt)).ToList();

        var observations = decisions
            .Where(d => d.Observation is not null)
            .Select(d => new WriteRequest(new PutRequest(PriceHistoryItems.ToItem(d.Observation!, d.ObservationKey))))
            .ToList();
        await _batches.WriteAsync(_options.PriceHistoryTable, observations, ct).ConfigureAwait(false);

        int upserted = 0, unchanged = 0, priceChanges = 0;
        void Count(Change change)
        {
            switch (change)
            {
                case Change.Unchanged or Change.Older: Interlocked.Increment(ref unchanged); break;
                case Change.PriceChanged: Interlocked.Increment(ref upserted); Interlocked.Increment(ref priceChanges); break;
                default: Interlocked.Increment(ref upserted); break;
            }
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.WriteConcurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(groups.Zip(decisions), parallel, async (pair, token) =>
        {
            var (group, decision) = pair;
            Count(await ApplyOrRetryAsync(decision, runId, observedAt, token).ConfigureAwait(false));
            foreach (var later in group.Skip(1))
                Count(await UpsertOneAsync(later, runId, observedAt, token).ConfigureAwait(false));
        }).ConfigureAwait(false);

        if (upserted > 0) _categories.Invalidate(); // a new product or a changed one (its category may have moved)
        return new UpsertOutcome(upserted, unchanged, priceChanges);
    }

    private static Decision Decide(Product p, Stored? existing, string runId, DateTimeOffset observedAt)
    {
        if (existing is null)
            return new Decision(p, null, Change.Inserted, new PriceObservation(p.Id, p.Price, observedAt, runId) { RawKey = p.RawKey });
        if (observedAt < existing.LastSeen)
            return new Decision(p, existing, Change.Older, null);
        if (string.Equals(existing.ContentHash, p.ContentHash, StringComparison.Ordinal))
            return new Decision(p, existing, Change.Unchanged, null);
        return existing.Price == p.Price
            ? new Decision(p, existing, Change.Changed, null)
            : new Decision(p, existing, Change.PriceChanged,
                new PriceObservation(p.Id, p.Price, observedAt, runId) { PreviousPrice = existing.Price, RawKey = p.RawKey });
    }

    private async Task<Change> ApplyOrRetryAsync(Decision decision, string runId, DateTimeOffset observedAt, CancellationToken ct)
    {
        try
        {
            await ApplyAsync(decision, runId, observedAt, ct).ConfigureAwait(false);
            return decision.Change;
        }
        catch (ConditionalCheckFailedException)
        {
            _logger.LogDebug("Product {ProductId} changed while upserting; re-reading", decision.Product.Id);
            return await UpsertOneAsync(decision.Product, runId, observedAt, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Read, decide, observe, conditional write; again on a lost race.</summary>
    private async Task<Change> UpsertOneAsync(Product product, string runId, DateTimeOffset observedAt, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = (await ReadStoredAsync([product.Id], ct).ConfigureAwait(false)).GetValueOrDefault(product.Id);
            var decision = Decide(product, stored, runId, observedAt);
            if (decision.Observation is { } observation)
            {
                await _db.PutItemAsync(new PutItemRequest
                {
                    TableName = _options.PriceHistoryTable,
                    Item = PriceHistoryItems.ToItem(observation, decision.ObservationKey),
                }, ct).ConfigureAwait(false);
            }
            try
            {
                await ApplyAsync(decision, runId, observedAt, ct).ConfigureAwait(false);
                return decision.Change;
            }
            catch (ConditionalCheckFailedException) when (attempt < MaxConditionalAttempts)
            {
                _logger.LogDebug("Product {ProductId} changed while upserting (attempt {Attempt}); re-reading", product.Id, attempt);
            }
        }
    }

    private Task ApplyAsync(Decision d, string runId, DateTimeOffset observedAt, CancellationToken ct)
    {
        var p = d.Product;
        switch (d.Change)
        {
            case Change.Older:
                return Task.CompletedTask;
            case Change.Inserted:
                return _db.PutItemAsync(new PutItemRequest
                {
                    TableName = _options.ProductsTable,
                    Item = P.ToItem(p, observedAt, observedAt, observedAt, runId),
                    ConditionExpression = "attribute_not_exists(#pk)",
                    ExpressionAttributeNames = new() { ["#pk"] = P.Pk },
                }, ct);
            case Change.Unchanged when observedAt > d.Existing!.LastSeen:
                return _db.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _options.ProductsTable,
                    Key = P.Key(p.Id),
                    UpdateExpression = "SET #lastSeen = :seen, #lastRun = :run",
                    ConditionExpression = "#hash = :hash AND #lastSeen < :seen",
                    ExpressionAttributeNames = new() { ["#lastSeen"] = P.LastSeen, ["#lastRun"] = P.LastRunId, ["#hash"] = P.ContentHash },
                    ExpressionAttributeValues = new() { [":seen"] = Time(observedAt), [":run"] = S(runId), [":hash"] = S(p.ContentHash) },
                }, ct);
            case Change.Unchanged:
                // Seen no later than the last sighting (e.g. a late re-delivery): lastSeen never moves back.
                return _db.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _options.ProductsTable,
                    Key = P.Key(p.Id),
                    UpdateExpression = "SET #lastRun = :run",
                    ConditionExpression = "#hash = :hash",
                    ExpressionAttributeNames = new() { ["#lastRun"] = P.LastRunId, ["#hash"] = P.ContentHash },
                    ExpressionAttributeValues = new() { [":run"] = S(runId), [":hash"] = S(p.ContentHash) },
                }, ct);
            default:
                var lastSeen = observedAt > d.Existing!.LastSeen ? observedAt : d.Existing.LastSeen;
                return _db.PutItemAsync(new PutItemRequest
                {
                    TableName = _options.ProductsTable,
                    Item = P.ToItem(p, d.Existing.FirstSeen, lastSeen, observedAt, runId),
                    ConditionExpression = "#hash = :hash AND #lastSeen = :lastSeen",
                    ExpressionAttributeNames = new() { ["#hash"] = P.ContentHash, ["#lastSeen"] = P.LastSeen },
                    ExpressionAttributeValues = new() { [":hash"] = S(d.Existing.ContentHash), [":lastSeen"] = Time(d.Existing.LastSeen) },
                }, ct);
        }
    }

    private async Task<Dictionary<string, Stored>> ReadStoredAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var items = await _batches.GetAsync(
            _options.ProductsTable,
            ids.Select(P.Key).ToList(),
            consistentRead: true,
            projection: "#pk, #hash, #price, #first, #last, #changed",
            names: new()
            {
                ["#pk"] = P.Pk, ["#hash"] = P.ContentHash, ["#price"] = P.Price, ["#first"] = P.FirstSeen, ["#last"] = P.LastSeen,
                ["#changed"] = P.LastChanged,
            },
            ct).ConfigureAwait(false);
        return items.ToDictionary(
            i => i.GetRequiredString(P.Pk),
            i => new Stored(i.GetRequiredString(P.ContentHash), i.GetDecimal(P.Price) ?? 0m, i.GetRequiredTime(P.FirstSeen),
                i.GetRequiredTime(P.LastSeen), i.GetRequiredTime(P.LastChanged)),
            StringComparer.Ordinal);
    }

    // ---------------------------------------------------------------- reads

    public async Task<Product?> GetAsync(string id, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id)) return null;
        var response = await _db.GetItemAsync(new GetItemRequest
        {
            TableName = _options.ProductsTable,
            Key = P.Key(id),
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? P.FromItem(item) : null;
    }

    public async Task<IReadOnlyList<PricePoint>> GetPriceHistoryAsync(string id, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id)) return [];
        var observations = new List<PriceObservation>();
        var request = new QueryRequest
        {
            TableName = _options.PriceHistoryTable,
            KeyConditionExpression = "#pk = :id",
            ExpressionAttributeNames = new() { ["#pk"] = PriceHistoryItems.Pk },
            ExpressionAttributeValues = new() { [":id"] = S(id) },
            ConsistentRead = true,
        };
        await foreach (var item in QueryAllAsync(request, ct).ConfigureAwait(false))
            observations.Add(PriceHistoryItems.FromItem(item));
        // Keyed by the version each observation replaced; a product's history is small, so it is ordered here, oldest first.
        return observations
            .OrderBy(o => o.ObservedAt)
            .ThenBy(o => o.RunId, StringComparer.Ordinal)
            .Select(o => new PricePoint(o.Price, o.ObservedAt, o.RunId, o.RawKey))
            .ToList();
    }

    /// <summary>
    /// Pages over the index that matches the filter and order (category, else source, else all products; by price or
    /// title). Search is a contains() filter on the lower-cased title, applied while reading the index.
    /// Tokens are opaque cursors; both next and previous tokens are supported (previous is null on the first page).
    /// A token that is not ours, or belongs to another query, throws <see cref="FormatException"/>.
    /// </summary>
    public async Task<ProductPage> QueryAsync(ProductQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var plan = QueryPlan.For(query);
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);
        if (string.IsNullOrEmpty(query.PageToken)) return await FirstPageAsync(plan, limit, ct).ConfigureAwait(false);

        var cursor = ProductPageCursor.Decode(query.PageToken);
        if (cursor.Index != plan.Index || cursor.Partition != plan.PartitionValue)
            throw new FormatException("The page token does not belong to this query.");
        var start = plan.StartKey(cursor);
        if (!cursor.Before)
        {
            var (entries, more) = await CollectAsync(plan, plan.Forward, start, limit + 1, ct).ConfigureAwait(false);
            return await BuildPageAsync(plan, entries.Take(limit).ToList(), hasNext: more, hasPrevious: true, ct).ConfigureAwait(false);
        }
        else
        {
            var (entries, more) = await CollectAsync(plan, !plan.Forward, start, limit + 1, ct).ConfigureAwait(false);
            // Back at the beginning: show the real first page, so pages stay the same going back and forth.
            if (!more) return await FirstPageAsync(plan, limit, ct).ConfigureAwait(false);
            var page = entries.Take(limit).Reverse().ToList();
            return await BuildPageAsync(plan, page, hasNext: true, hasPrevious: true, ct).ConfigureAwait(false);
        }
    }

    private async Task<ProductPage> FirstPageAsync(QueryPlan plan, int limit, CancellationToken ct)
    {
        var (entries, more) = await CollectAsync(plan, plan.Forward, null, limit + 1, ct).ConfigureAwait(false);
        return await BuildPageAsync(plan, entries.Take(limit).ToList(), hasNext: more, hasPrevious: false, ct).ConfigureAwait(false);
    }

    private async Task<ProductPage> BuildPageAsync(
        QueryPlan plan, List<Dictionary<string, AttributeValue>> entries, bool hasNext, bool hasPrevious, CancellationToken ct)
    {
        if (entries.Count == 0) return new ProductPage([], null, null);
        var ids = entries.Select(e => e.GetRequiredString(P.Pk)).ToList();
        var items = await _batches.GetAsync(_options.ProductsTable, ids.Select(P.Key).ToList(), consistentRead: false, null, null, ct)
            .ConfigureAwait(false);
        var byId = items.ToDictionary(i => i.GetRequiredString(P.Pk), StringComparer.Ordinal);
        var products = ids.Where(byId.ContainsKey).Select(id => P.FromItem(byId[id])).ToList();
        var next = hasNext ? plan.CursorAt(entries[^1], before: false).Encode() : null;
        var previous = hasPrevious ? plan.CursorAt(entries[0], before: true).Encode() : null;
        return new ProductPage(products, next, previous);
    }

    /// <summary>Reads index entries from <paramref name="start"/> until <paramref name="want"/> matched; more = found that many.</summary>
    private async Task<(List<Dictionary<string, AttributeValue>> Entries, bool More)> CollectAsync(
        QueryPlan plan, bool forward, Dictionary<string, AttributeValue>? start, int want, CancellationToken ct)
    {
        var entries = new List<Dictionary<string, AttributeValue>>(want);
        var request = plan.ToRequest(_options.ProductsTable, forward, want);
        request.ExclusiveStartKey = start;
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            foreach (var item in response.Items ?? [])
            {
                entries.Add(item);
                if (entries.Count == want) return (entries, true);
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return (entries, false);
    }

    /// <summary>Which index serves a query, and how to page through it.</summary>
    private sealed record QueryPlan(
        string Index, string PartitionAttribute, string PartitionValue, string SortAttribute, bool SortIsNumber, bool Forward,
        string? SourceFilter, string? Search)
    {
        public static QueryPlan For(ProductQuery q)
        {
            var byPrice = q.Sort is ProductSort.PriceAscending or ProductSort.PriceDescending;
            var forward = q.Sort != ProductSort.PriceDescending;
            var sortAttribute = byPrice ? P.Price : P.TitleKey;
            var search = string.IsNullOrWhiteSpace(q.Search) ? null : q.Search.Trim().ToLowerInvariant();
            if (!string.IsNullOrEmpty(q.Category))
            {
                var source = string.IsNullOrEmpty(q.Source) ? null : q.Source;
                return new QueryPlan(byPrice ? DynamoDbTables.ProductIndexes.CategoryPrice : DynamoDbTables.ProductIndexes.CategoryTitle,
                    P.Category, q.Category, sortAttribute, byPrice, forward, source, search);
            }
            if (!string.IsNullOrEmpty(q.Source))
                return new QueryPlan(byPrice ? DynamoDbTables.ProductIndexes.SourcePrice : DynamoDbTables.ProductIndexes.SourceTitle,
                    P.Source, q.Source, sortAttribute, byPrice, forward, null, search);
            return new QueryPlan(byPrice ? DynamoDbTables.ProductIndexes.AllPrice : DynamoDbTables.ProductIndexes.AllTitle,
                P.AllKey, P.AllKeyValue, sortAttribute, byPrice, forward, null, search);
        }

        private bool HasFilter => SourceFilter is not null || Search is not null;

        public QueryRequest ToRequest(string table, bool forward, int want)
        {
            var names = new Dictionary<string, string> { ["#part"] = PartitionAttribute };
            var values = new Dictionary<string, AttributeValue> { [":part"] = S(PartitionValue) };
            var filters = new List<string>(2);
            if (SourceFilter is not null)
            {
                names["#src"] = P.Source;
                values[":src"] = S(SourceFilter);
                filters.Add("#src = :src");
            }
            if (Search is not null)
            {
                names["#search"] = P.SearchText;
                values[":q"] = S(Search);
                filters.Add("contains(#search, :q)");
            }
            return new QueryRequest
            {
                TableName = table,
                IndexName = Index,
                KeyConditionExpression = "#part = :part",
                FilterExpression = filters.Count == 0 ? null : string.Join(" AND ", filters),
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ScanIndexForward = forward,
                // Limit counts items read, before the filter: read more when filtering.
                Limit = HasFilter ? Math.Max(want * 4, 100) : want,
            };
        }

        public ProductPageCursor CursorAt(Dictionary<string, AttributeValue> entry, bool before)
        {
            var sort = entry[SortAttribute];
            return new ProductPageCursor(Index, PartitionValue, before, entry.GetRequiredString(P.Pk), (SortIsNumber ? sort.N : sort.S) ?? "");
        }

        public Dictionary<string, AttributeValue> StartKey(ProductPageCursor cursor) => new()
        {
            [P.Pk] = S(cursor.Id),
            [PartitionAttribute] = S(PartitionValue),
            [SortAttribute] = SortIsNumber ? new AttributeValue { N = cursor.Sort } : S(cursor.Sort),
        };
    }

    /// <summary>Cached (<see cref="CategoryCache"/>, at most <see cref="CategoriesMaxAge"/>): each read queries every product's category.</summary>
    public Task<IReadOnlyList<string>> ListCategoriesAsync(string? source, CancellationToken ct) =>
        _categories.GetAsync(source, false, token => ReadCategoriesAsync(source, token), ct);

    private async Task<IReadOnlyList<string>> ReadCategoriesAsync(string? source, CancellationToken ct)
    {
        var categories = new SortedSet<string>(StringComparer.Ordinal);
        var request = PartitionQuery(source, DynamoDbTables.ProductIndexes.SourceTitle, DynamoDbTables.ProductIndexes.AllTitle);
        request.ProjectionExpression = "#cat";
        request.ExpressionAttributeNames["#cat"] = P.Category;
        await foreach (var entry in QueryAllAsync(request, ct).ConfigureAwait(false))
            if (entry.GetString(P.Category) is { Length: > 0 } category) categories.Add(category);
        return categories.ToList();
    }

    public async Task<long> CountAsync(string? source, CancellationToken ct)
    {
        var request = PartitionQuery(source, DynamoDbTables.ProductIndexes.SourceTitle, DynamoDbTables.ProductIndexes.AllTitle);
        request.Select = Select.COUNT;
        long count = 0;
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            count += response.Count ?? 0;
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return count;
    }

    /// <summary>
    /// Products and price observations per source, by a paged Scan of each table that reads one attribute per item (the
    /// products' <c>source</c>; the observations' product id, whose prefix is the source) and keeps only a count per source.
    /// </summary>
    public async Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct)
    {
        var products = await CountBySourceAsync(_options.ProductsTable, P.Source, static source => source, ct).ConfigureAwait(false);
        var observations = await CountBySourceAsync(_options.PriceHistoryTable, PriceHistoryItems.Pk, SourceOfProductId, ct)
            .ConfigureAwait(false);
        return products.Keys.Union(observations.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(source => new SourceCounts(source, products.GetValueOrDefault(source), observations.GetValueOrDefault(source)))
            .ToList();
    }

    private static string SourceOfProductId(string productId) =>
        ProductId.TryParse(productId, out var source, out _)
            ? source
            : throw new InvalidDataException($"Price-history item has the malformed product id '{productId}'.");

    /// <summary>Counts the items of <paramref name="table"/> by the source read from one string attribute.</summary>
    private async Task<Dictionary<string, long>> CountBySourceAsync(
        string table, string attribute, Func<string, string> sourceOf, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var request = new ScanRequest
        {
            TableName = table,
            ConsistentRead = true,
            ProjectionExpression = "#a",
            ExpressionAttributeNames = new() { ["#a"] = attribute },
        };
        do
        {
            var response = await _db.ScanAsync(request, ct).ConfigureAwait(false);
            foreach (var item in response.Items ?? [])
                CollectionsMarshal.GetValueRefOrAddDefault(counts, sourceOf(item.GetRequiredString(attribute)), out _)++;
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return counts;
    }

    private QueryRequest PartitionQuery(string? source, string sourceIndex, string allIndex)
    {
        var bySource = !string.IsNullOrEmpty(source);
        return new QueryRequest
        {
            TableName = _options.ProductsTable,
            IndexName = bySource ? sourceIndex : allIndex,
            KeyConditionExpression = "#part = :part",
            ExpressionAttributeNames = new() { ["#part"] = bySource ? P.Source : P.AllKey },
            ExpressionAttributeValues = new() { [":part"] = S(bySource ? source! : P.AllKeyValue) },
        };
    }

    public async IAsyncEnumerable<Product> ScanAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in ScanAllAsync(_options.ProductsTable, ct).ConfigureAwait(false))
            yield return P.FromItem(item);
    }

    public async IAsyncEnumerable<PriceObservation> ScanPriceObservationsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in ScanAllAsync(_options.PriceHistoryTable, ct).ConfigureAwait(false))
            yield return PriceHistoryItems.FromItem(item);
    }

    // ---------------------------------------------------------------- rejections

    public Task AddRejectionsAsync(IReadOnlyList<Rejection> rejections, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rejections);
        // One item per (run, raw key, record index): the last of duplicates in one call wins, as a re-delivery does.
        var requests = rejections
            .GroupBy(r => (r.RunId, RejectionItems.SortKey(r)))
            .Select(g => new WriteRequest(new PutRequest(RejectionItems.ToItem(g.Last()))))
            .ToList();
        return _batches.WriteAsync(_options.RejectionsTable, requests, ct);
    }

    /// <summary>Newest first (by rejectedAt), for one run or across runs.</summary>
    /// <summary>The run's partition of the rejections table, whole-page items only (they carry no record index).</summary>
    public async Task<IReadOnlyList<string>> ListRejectedPagesAsync(string runId, CancellationToken ct)
    {
        var request = new QueryRequest
        {
            TableName = _options.RejectionsTable,
            KeyConditionExpression = "#pk = :run",
            FilterExpression = "attribute_not_exists(#index)",
            ExpressionAttributeNames = new() { ["#pk"] = RejectionItems.Pk, ["#index"] = RejectionItems.RecordIndex },
            ExpressionAttributeValues = new() { [":run"] = S(runId) },
            ConsistentRead = true,
        };
        var keys = new List<string>();
        await foreach (var item in QueryAllAsync(request, ct).ConfigureAwait(false)) keys.Add(item.GetRequiredString(RejectionItems.RawKey));
        return keys;
    }

    public async Task<IReadOnlyList<Rejection>> ListRejectionsAsync(string? runId, int limit, CancellationToken ct)
    {
        if (limit <= 0) return [];
        var forRun = !string.IsNullOrEmpty(runId);
        var request = new QueryRequest
        {
            TableName = _options.RejectionsTable,
            IndexName = forRun ? DynamoDbTables.RunRecentIndex : DynamoDbTables.RecentIndex,
            KeyConditionExpression = "#part = :part",
            ExpressionAttributeNames = new() { ["#part"] = forRun ? RejectionItems.Pk : RejectionItems.AllKey },
            ExpressionAttributeValues = new() { [":part"] = S(forRun ? runId! : RejectionItems.AllKeyValue) },
            ScanIndexForward = false,
            Limit = limit,
        };
        var result = new List<Rejection>(Math.Min(limit, 1000));
        await foreach (var item in QueryAllAsync(request, ct).ConfigureAwait(false))
        {
            result.Add(RejectionItems.FromItem(item));
            if (result.Count == limit) break;
        }
        return result;
    }

    // ---------------------------------------------------------------- paging helpers

    private async IAsyncEnumerable<Dictionary<string, AttributeValue>> QueryAllAsync(QueryRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            foreach (var item in response.Items ?? []) yield return item;
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
    }

    private async IAsyncEnumerable<Dictionary<string, AttributeValue>> ScanAllAsync(string table, [EnumeratorCancellation] CancellationToken ct)
    {
        var request = new ScanRequest { TableName = table, ConsistentRead = true };
        do
        {
            var response = await _db.ScanAsync(request, ct).ConfigureAwait(false);
            foreach (var item in response.Items ?? []) yield return item;
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
    }
}
