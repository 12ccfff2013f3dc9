using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Tests.Support;

/// <summary>
/// The Synthetic catalog under the name <c>held</c>, whose page fetches wait behind gates the test opens: a run of it
/// stays running, or stops short of some pages, for exactly as long as a test needs, however fast the pipeline is.
/// </summary>
public sealed class HeldSource(SyntheticSource inner) : IProductSource
{
    public const string SourceName = "held";
    private readonly List<(Func<int, bool> Pages, TaskCompletionSource Gate)> _gates = [];
    private int _inFlight, _maxInFlight;

    public string Name => SourceName;

    /// <summary>Fetches under way now (waiting at a gate or fetching).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most fetches that were ever under way at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public CatalogFormat Format => inner.Format;

    /// <summary>Fetches of the pages <paramref name="pages"/> selects (by page number) wait until the returned gate is opened.</summary>
    public TaskCompletionSource Hold(Func<int, bool> pages)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gates) _gates.Add((pages, gate));
        return gate;
    }

    /// <summary>Registers the source beside the real ones (for <see cref="PipelineAppFactory.ConfigureServices"/>).</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<HeldSource>();
        services.AddTransient<IProductSource>(sp => sp.GetRequiredService<HeldSource>());
    }

    public IReadOnlyDictionary<string, string> NormalizeOptions(IReadOnlyDictionary<string, string> options) => inner.NormalizeOptions(options);

    public Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct) => inner.PlanAsync(options, ct);

    public async Task<FetchedPage> FetchAsync(FetchTask task, CancellationToken ct)
    {
        var now = Interlocked.Increment(ref _inFlight);
        for (var max = MaxInFlight; now > max && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max; max = MaxInFlight) { }
        try
        {
            Task[] waits;
            lock (_gates) waits = _gates.Where(g => g.Pages(task.Page)).Select(g => g.Gate.Task).ToArray();
            await Task.WhenAll(waits).WaitAsync(ct);
            return await inner.FetchAsync(task, ct);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
