using System.Text.Json;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Api;

/// <summary><c>POST /api/ingestions</c> body. Option values may be strings, numbers or booleans.</summary>
public sealed record StartIngestionBody(string? Source, Dictionary<string, JsonElement>? Options);

public sealed record RunCreatedResponse(string RunId, string Status, bool Created);

/// <summary>
/// <c>POST /api/replays</c> body: <c>source</c>, and either <c>from</c>/<c>to</c> (UTC dates, YYYY-MM-DD, of the runs
/// whose pages to replay; either may be left out) or <c>runId</c>. Read as raw JSON values so that a wrong type gets a 400
/// naming its field.
/// </summary>
public sealed record StartReplayBody(JsonElement? Source, JsonElement? From, JsonElement? To, JsonElement? RunId);

public sealed record StagesDto(
    long TasksPlanned, long TasksPublished, long PagesFetched, long PagesFailed, long RawObjects, long RawBytes, long PagesTransformed,
    long ProductsParsed, long ProductsUpserted, long ProductsUnchanged, long ProductsRejected, long PriceChanges, long PagesRead, long BytesRead)
{
    public static StagesDto From(StageCounters c) => new(c.TasksPlanned, c.TasksPublished, c.PagesFetched, c.PagesFailed, c.RawObjects,
        c.RawBytes, c.PagesTransformed, c.ProductsParsed, c.ProductsUpserted, c.ProductsUnchanged, c.ProductsRejected, c.PriceChanges,
        c.PagesRead, c.BytesRead);
}

/// <summary>
/// A run's warehouse refresh (the one its end started, <c>trigger: run:&lt;runId&gt;</c>): null until the run ends with
/// data, or when refreshing after runs is off.
/// </summary>
public sealed record RunRefreshDto(string RefreshId, string Status, string? Error, int Attempts, DateTimeOffset? FinishedAt, DateTimeOffset? NextAttemptAt)
{
    public static RunRefreshDto? From(WarehouseRefresh? r) =>
        r is null ? null : new(r.RefreshId, r.Status.ToWire(), r.Error, r.Attempts.Count, r.FinishedAt, r.NextAttemptAt);
}

/// <summary>One stage's span on a run's timeline; <c>finishedAt</c> is null while it runs, both null before it starts.</summary>
public sealed record TimelineEntryDto(string Stage, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

public sealed record RunDto(
    string RunId, string Source, string Status, string Trigger, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    double? DurationSeconds, StagesDto Stages, IReadOnlyList<string> Errors, IReadOnlyDictionary<string, string> Options, RunRefreshDto? Refresh,
    IReadOnlyList<TimelineEntryDto> Timeline, string? ParentRunId, IReadOnlyList<int>? OnlyPages)
{
    public static RunDto From(IngestionRun run, WarehouseRefresh? refresh = null) => new(run.RunId, run.Source, run.Status.ToWire(), run.Trigger,
        run.CreatedAt, run.StartedAt, run.FinishedAt, run.FinishedAt is { } end ? Math.Round((end - (run.StartedAt ?? run.CreatedAt)).TotalSeconds, 3) : null,
        StagesDto.From(run.Stages), run.Errors, run.Options, RunRefreshDto.From(refresh),
        RunTimeline.Of(run, refresh).Select(t => new TimelineEntryDto(t.Stage.ToWire(), t.StartedAt, t.FinishedAt)).ToList(),
        run.ParentRunId, run.OnlyPages);

    /// <summary>The run with its refresh looked up.</summary>
    public static async Task<RunDto> WithRefreshAsync(IngestionRun run, IRefreshStore refreshes, CancellationToken ct) =>
        From(run, await refreshes.GetLatestRefreshAsync(RefreshTriggers.AfterRun(run.RunId), ct).ConfigureAwait(false));
}

public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);

public sealed record PagedResponse<T>(IReadOnlyList<T> Items, string? NextPageToken);

/// <summary>One line of a run's event log (<c>GET /api/ingestions/{runId}/events</c>).</summary>
public sealed record RunEventDto(
    DateTimeOffset At, string Level, string Stage, string Message, int? Page, int? Skip, string? RawKey, int? RecordIndex, int? Attempt, string? Cause)
{
    public static RunEventDto From(RunEvent e) =>
        new(e.At, e.Level.ToWire(), e.Stage.ToWire(), e.Message, e.Page, e.Skip, e.RawKey, e.RecordIndex, e.Attempt, e.Cause);
}

public sealed record ProductSummaryDto(
    string Id, string Source, string SourceId, string Title, string Category, string? Brand, decimal Price, decimal? Rating, int? Stock,
    string? Availability, string? Thumbnail)
{
    public static ProductSummaryDto From(Product p) =>
        new(p.Id, p.Source, p.SourceId, p.Title, p.Category, p.Brand, p.Price, p.Rating, p.Stock, p.Availability, p.Thumbnail);
}

public sealed record ProductPageResponse(IReadOnlyList<ProductSummaryDto> Items, string? NextPageToken, string? PreviousPageToken);

/// <summary>A price in a product's history; <c>rawKey</c> is the raw page it was read from (null for points stored before lineage was kept).</summary>
public sealed record PricePointDto(decimal Price, DateTimeOffset ObservedAt, string RunId, string? RawKey);

/// <summary>
/// Where a product's current state comes from: the record at <c>recordIndex</c> of the product array of the raw page
/// <c>rawKey</c>, fetched by run <c>runId</c> at <c>fetchedAt</c> (the page that last changed it).
/// </summary>
public sealed record LineageDto(string RawKey, int? RecordIndex, string RunId, DateTimeOffset FetchedAt)
{
    public static LineageDto? From(Product p) =>
        p.RawKey is { } key && RawKeys.TryParse(key, out _, out _, out var runId, out _) ? new(key, p.RecordIndex, runId, p.LastChanged) : null;
}

public sealed record ProductDetailDto(
    string Id, string Source, string SourceId, string Title, string? Description, string Category, string? Brand, decimal Price,
    decimal? DiscountPercentage, decimal? Rating, int? Stock, string? Availability, IReadOnlyList<string> Tags, string? Sku,
    string? Thumbnail, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset LastChanged, IReadOnlyList<PricePointDto> PriceHistory,
    LineageDto? Lineage)
{
    public static ProductDetailDto From(Product p, IReadOnlyList<PricePoint> history) => new(p.Id, p.Source, p.SourceId, p.Title,
        p.Description, p.Category, p.Brand, p.Price, p.DiscountPercentage, p.Rating, p.Stock, p.Availability, p.Tags, p.Sku, p.Thumbnail,
        p.FirstSeen, p.LastSeen, p.LastChanged, history.Select(h => new PricePointDto(h.Price, h.ObservedAt, h.RunId, h.RawKey)).ToList(),
        LineageDto.From(p));
}

public sealed record RefreshCreatedResponse(string RefreshId, string Status);

public sealed record RefreshAttemptDto(
    int Attempt, string Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error, long ProductsLoaded, long ObservationsLoaded,
    bool FullReload)
{
    public static RefreshAttemptDto From(RefreshAttempt a) =>
        new(a.Attempt, a.Status, a.StartedAt, a.FinishedAt, a.Error, a.ProductsLoaded, a.ObservationsLoaded, a.FullReload);
}

public sealed record RefreshDto(
    string RefreshId, string Status, string Trigger, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    long ProductsLoaded, long ObservationsLoaded, string? Error, IReadOnlyList<RefreshAttemptDto> Attempts, DateTimeOffset? NextAttemptAt)
{
    public static RefreshDto From(WarehouseRefresh r) => new(r.RefreshId, r.Status.ToWire(), r.Trigger, r.CreatedAt, r.StartedAt,
        r.FinishedAt, r.ProductsLoaded, r.ObservationsLoaded, r.Error, r.Attempts.Select(RefreshAttemptDto.From).ToList(), r.NextAttemptAt);
}

public sealed record ReconciliationItemDto(
    string Source, long StoreProducts, long WarehouseProducts, long StoreObservations, long WarehouseObservations, bool Matches);

public sealed record ReconciliationResponse(DateTimeOffset AsOf, bool Matches, IReadOnlyList<ReconciliationItemDto> Items)
{
    public static ReconciliationResponse From(Reconciliation r) => new(r.AsOf, r.Matches, r.Items.Select(i => new ReconciliationItemDto(
        i.Source, i.StoreProducts, i.WarehouseProducts, i.StoreObservations, i.WarehouseObservations, i.Matches)).ToList());
}

public sealed record RejectionDto(string RunId, string Source, string RawKey, int? RecordIndex, string? SourceId, string Reason, DateTimeOffset RejectedAt)
{
    public static RejectionDto From(Rejection r) => new(r.RunId, r.Source, r.RawKey, r.RecordIndex, r.SourceId, r.Reason, r.RejectedAt);
}
