using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lambdas.Support;

/// <summary>
/// A Lambda "container" for the tests: the environment variables the functions read (a fresh data directory, the
/// embedded providers, the HTTP sources pointed at a <see cref="FixtureCatalogServer"/>), one invoker per handler
/// string, and the test's own view of the same backends. Environment variables are process-wide: the tests using this
/// run in <see cref="LambdaRuntimeCollection"/>, never in parallel, and the previous values are restored at the end.
/// </summary>
public sealed class LambdaEnvironment : IAsyncLifetime
{
    public const string TriggerHandler = "Pipeline.Lambdas::Pipeline.Lambdas.TriggerIngestionFunction::HandleAsync";
    public const string FetchHandler = "Pipeline.Lambdas::Pipeline.Lambdas.FetchProductDataFunction::HandleAsync";
    public const string TransformHandler = "Pipeline.Lambdas::Pipeline.Lambdas.TransformProductsFunction::HandleAsync";

    private readonly Dictionary<string, string?> _previous = new();
    private ServiceProvider? _view;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));
    public FixtureCatalogServer Catalog { get; private set; } = null!;
    public LambdaRuntimeInvoker Trigger { get; private set; } = null!;
    public LambdaRuntimeInvoker Fetch { get; private set; } = null!;
    public LambdaRuntimeInvoker Transform { get; private set; } = null!;

    /// <summary>The test's own services over the same backends (a second process would see the same).</summary>
    public IServiceProvider View => _view!;

    public T Service<T>() where T : notnull => View.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        Catalog = await FixtureCatalogServer.StartAsync();
        Set("Pipeline__DataDirectory", DataDirectory);
        Set("Pipeline__Stream__Provider", "Local");
        Set("Pipeline__Stream__ShardCount", "2");
        Set("Pipeline__RawZone__Provider", "Local");
        Set("Pipeline__Store__Provider", "Local");
        Set("Pipeline__Warehouse__Provider", "DuckDb");
        Set("Pipeline__Sources__DummyJson__BaseUrl", Catalog.DummyJsonBaseUrl.ToString());
        Set("Pipeline__Sources__FakeStore__BaseUrl", Catalog.FakeStoreBaseUrl.ToString());
        Set("Pipeline__Sources__DummyJson__RetryDelayMs", "10");
        Set("Pipeline__Sources__FakeStore__RetryDelayMs", "10");
        Set("Logging__LogLevel__Default", "Warning");

        LambdaServices.Adapters = EmbeddedAdapters.Add; // before the first handler builds the container's services
        _view = LambdaServices.Build(new ConfigurationBuilder().AddEnvironmentVariables().Build(),
            logging => logging.ClearProviders(), EmbeddedAdapters.Add);
        Trigger = new LambdaRuntimeInvoker(TriggerHandler);
        Fetch = new LambdaRuntimeInvoker(FetchHandler);
        Transform = new LambdaRuntimeInvoker(TransformHandler);
    }

    private void Set(string name, string value)
    {
        _previous.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    public async Task DisposeAsync()
    {
        foreach (var (name, value) in _previous) Environment.SetEnvironmentVariable(name, value);
        if (_view is not null) await _view.DisposeAsync();
        await Catalog.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { /* a pooled SQLite handle may linger; temp space is reclaimed later */ }
    }

    /// <summary>Every record of the run on the local stream, by shard, in sequence order (what the event source mapping reads).</summary>
    public async Task<Dictionary<string, List<ReceivedRecord>>> ReadRunRecordsAsync(string runId)
    {
        var stream = Service<IEventStream>();
        var byShard = new Dictionary<string, List<ReceivedRecord>>();
        foreach (var shard in await stream.ListShardsAsync(CancellationToken.None))
        {
            var reader = stream.OpenShard(shard, null);
            while (true)
            {
                var batch = await reader.ReadAsync(1000, CancellationToken.None);
                if (batch.Records.Count == 0) break;
                foreach (var record in batch.Records.Where(r => TaskOf(r).RunId == runId))
                {
                    if (!byShard.TryGetValue(shard, out var list)) byShard[shard] = list = [];
                    list.Add(record);
                }
            }
        }
        return byShard;
    }

    public static FetchTask TaskOf(ReceivedRecord record) =>
        JsonSerializer.Deserialize(record.Data.Span, CoreJsonContext.Default.FetchTask)!;

    public async Task<IngestionRun> RunAsync(string runId) =>
        await Service<IRunStore>().GetRunAsync(runId, CancellationToken.None) ?? throw new Xunit.Sdk.XunitException($"Run {runId} does not exist.");

    public async Task<IReadOnlyList<RawObjectInfo>> RawObjectsAsync(IngestionRun run) =>
        (await Service<IRawZone>().ListAsync(RawKeys.RunPrefix(run.Source, DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), run.RunId), 1000, null,
            CancellationToken.None)).Items;
}

/// <summary>The tests that set process-wide environment variables: one at a time, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LambdaRuntimeCollection : ICollectionFixture<LambdaEnvironment>
{
    public const string Name = "Lambda runtime";
}
