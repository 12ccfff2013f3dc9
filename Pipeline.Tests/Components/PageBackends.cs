using System.Reflection;
using System.Text;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Pipeline.Tests.Components;

/// <summary>
/// The embedded adapters the pages read, in a temporary folder: SQLite product and run stores, the folder raw zone and
/// the DuckDB warehouse, with helpers to put products, runs and raw pages into them.
/// </summary>
public sealed class PageBackends : IDisposable
{
    public PageBackends()
    {
        Directory = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        var db = new SqliteDatabase(Path.Combine(Directory, "store.db"));
        Store = new SqliteProductStore(db);
        Runs = new SqliteRunStore(db);
        RawZone = new FolderRawZone(Path.Combine(Directory, "rawzone"));
        Warehouse = new DuckDbWarehouse(Path.Combine(Directory, "warehouse.duckdb"), TimeProvider.System);
        Store.EnsureCreatedAsync(CancellationToken.None).GetAwaiter().GetResult();
        Runs.EnsureCreatedAsync(CancellationToken.None).GetAwaiter().GetResult();
        RawZone.EnsureCreatedAsync(CancellationToken.None).GetAwaiter().GetResult();
        Warehouse.EnsureSchemaAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public string Directory { get; }
    public SqliteProductStore Store { get; }
    public SqliteRunStore Runs { get; }
    public FolderRawZone RawZone { get; }
    public DuckDbWarehouse Warehouse { get; }

    public static Product Product(string source, int id, string title, string category, decimal price, decimal? rating = 4.5m, int? stock = 10)
    {
        var product = new Product
        {
            Source = source, SourceId = id.ToString(), Title = title, Category = category, Price = price, Rating = rating, Stock = stock,
            Brand = id % 2 == 0 ? "Acme" : null, ContentHash = "",
        };
        return product with { ContentHash = ContentHash.Of(product) };
    }

    /// <summary>A run that ended with the given counters, created <paramref name="age"/> ago and lasting <paramref name="seconds"/>.</summary>
    public async Task<IngestionRun> AddRunAsync(string source, RunStatus status = RunStatus.Succeeded, TimeSpan? age = null, params CounterDelta[] deltas)
    {
        var created = DateTimeOffset.UtcNow - (age ?? TimeSpan.FromMinutes(5));
        var run = new IngestionRun { RunId = RunIds.New(created), Source = source, Status = RunStatus.Queued, CreatedAt = created };
        await Runs.TryCreateRunAsync(run, CancellationToken.None);
        if (deltas.Length > 0) await Runs.IncrementAsync(run.RunId, deltas, CancellationToken.None);
        // A finished run keeps no start time here, so its duration runs from its creation (age) to now.
        if (status == RunStatus.Running) await Runs.SetStatusAsync(run.RunId, RunStatus.Running, CancellationToken.None);
        if (status.IsTerminal()) await Runs.EndAsync(run.RunId, status, status == RunStatus.Failed ? "boom" : null, DateTimeOffset.UtcNow, CancellationToken.None);
        return (await Runs.GetRunAsync(run.RunId, CancellationToken.None))!;
    }

    public async Task<string> PutPageAsync(IngestionRun run, int page, string json)
    {
        var key = RawKeys.Page(run.Source, DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), run.RunId, page);
        var bytes = Encoding.UTF8.GetBytes(json);
        await RawZone.PutAsync(key, bytes, new RawObjectMetadata
        {
            RunId = run.RunId, Source = run.Source, SourceUrl = $"http://127.0.0.1/{run.Source}/products?page={page}",
            FetchedAt = DateTimeOffset.UtcNow, Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), Page = page,
        }, CancellationToken.None);
        return key;
    }

    public Task UpsertAsync(IReadOnlyList<Product> products, string runId, DateTimeOffset observedAt) =>
        Store.UpsertAsync(products, runId, observedAt, CancellationToken.None);

    public Task LoadWarehouseAsync() =>
        Warehouse.LoadAsync("wr-test", Store.ScanAsync(CancellationToken.None), Store.ScanPriceObservationsAsync(CancellationToken.None), CancellationToken.None);

    /// <summary>A file that is not a database: the real adapters fail on it, which is how the pages' error states are shown.</summary>
    public string CorruptFile(string name)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, "this is not a database file, and every adapter says so " + new string('x', 4096));
        return path;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* DuckDB or SQLite may still hold the file briefly */ }
    }
}

/// <summary>
/// Wraps a real adapter so that its async calls wait for <see cref="Open"/>: a page's loading state can then be seen
/// before the real answer arrives.
/// </summary>
public class Gate<T> : DispatchProxy where T : class
{
    private T _inner = null!;
    private TaskCompletionSource _gate = null!;

    public static (T Proxy, TaskCompletionSource Gate) Around(T inner)
    {
        var proxy = Create<T, Gate<T>>();
        var gate = (Gate<T>)(object)proxy;
        gate._inner = inner;
        gate._gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (proxy, gate._gate);
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
            return typeof(Gate<T>).GetMethod(nameof(ResultAfterGateAsync), BindingFlags.NonPublic | BindingFlags.Instance)!
                .MakeGenericMethod(method.ReturnType.GetGenericArguments()[0])
                .Invoke(this, [method, args]);
        if (method.ReturnType == typeof(Task)) return AfterGateAsync(method, args);
        return method.Invoke(_inner, args);
    }

    private async Task<TResult> ResultAfterGateAsync<TResult>(MethodInfo method, object?[]? args)
    {
        await _gate.Task;
        return await (Task<TResult>)method.Invoke(_inner, args)!;
    }

    private async Task AfterGateAsync(MethodInfo method, object?[]? args)
    {
        await _gate.Task;
        await (Task)method.Invoke(_inner, args)!;
    }
}

public static class PageRendering
{
    /// <summary>Renders a routed page at an address, so that its [SupplyParameterFromQuery] parameters come from the URL.</summary>
    public static IRenderedComponent<T> RenderAt<T>(this BunitContext context, string uri,
        Action<ComponentParameterCollectionBuilder<T>>? parameters = null) where T : IComponent
    {
        context.Services.GetRequiredService<NavigationManager>().NavigateTo(uri);
        return context.Render(parameters ?? (_ => { }));
    }
}

/// <summary>What /raw needs besides its backends: the sources (the preview reads records with their parser) and commands no test presses.</summary>
public static class RawPageServices
{
    public static void AddRawPageServices(this IServiceCollection services)
    {
        services.AddSingleton(new SourceRegistry([new DummyJsonSource(new HttpClient(), Options.Create(new DummyJsonOptions()), NullLogger<DummyJsonSource>.Instance)]));
        services.AddSingleton<IPipelineCommands>(new NoCommands());
    }

    private sealed class NoCommands : IPipelineCommands
    {
        private static NotSupportedException NotHere() => new("these tests press no button that starts anything");
        public Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct) => throw NotHere();
        public Task<bool> CancelIngestionAsync(string runId, CancellationToken ct) => throw NotHere();
        public Task<StartIngestionResult> RerunAsync(IngestionRun run, CancellationToken ct) => throw NotHere();
        public Task<StartIngestionResult?> RetryAsync(IngestionRun run, CancellationToken ct) => throw NotHere();
        public Task<StartIngestionResult> StartReplayAsync(StartReplayRequest request, CancellationToken ct) => throw NotHere();
        public Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct) => throw NotHere();
    }
}
