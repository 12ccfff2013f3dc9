using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DuckDB.NET.Data;

namespace Pipeline.Benchmarks;

/// <summary>
/// BenchmarkDotNet edition of benchmark 1: one operation is the whole input (all its pages), so the four methods are
/// directly comparable (ratio column: against the bare reader). Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TransformConfig))]
public class TransformBenchmarks
{
    private List<byte[]> _pages = [];
    private string[] _files = [];
    private string _dir = "";
    private DuckDBConnection? _duck;

    /// <summary><c>synthetic</c>: 10,000 Synthetic products in 100 pages; <c>dummyjson</c>: the real fixture (194 products) × 10.</summary>
    [Params("synthetic", "dummyjson")]
    public string Input { get; set; } = "synthetic";

    public static List<byte[]> PagesOf(string input) => input == "synthetic"
        ? TransformInputs.SyntheticPages(10_000, 100)
        : Enumerable.Repeat(TransformInputs.FixturePage(), 10).ToList();

    [GlobalSetup]
    public void Setup()
    {
        _pages = PagesOf(Input);
        _dir = TransformInputs.WriteFiles(_pages, "micro-" + Input);
        _files = Directory.GetFiles(_dir, "*.json").Order(StringComparer.Ordinal).ToArray();
        _duck = TransformWork.OpenDuckDb(1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _duck?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "bare Utf8JsonReader")]
    public int BareReader()
    {
        var tokens = 0;
        foreach (var page in _pages) tokens += TransformWork.BarePass(page);
        return tokens;
    }

    [Benchmark(Description = "CatalogPageParser.Parse")]
    public int Parse()
    {
        var products = 0;
        foreach (var page in _pages) products += TransformWork.Parse(page);
        return products;
    }

    [Benchmark(Description = "Parse + File.ReadAllBytes")]
    public int ParseFiles()
    {
        var products = 0;
        foreach (var file in _files) products += TransformWork.Parse(File.ReadAllBytes(file));
        return products;
    }

    [Benchmark(Description = "DuckDB read_json clean-up (1 thread)")]
    public long DuckDb() => TransformWork.DuckDbCleanUp(_duck!, Path.Combine(_dir, "*.json"));
}

/// <summary>Short runs (the machine is shared), plus MB/s and products/s columns.</summary>
public sealed class TransformConfig : ManualConfig
{
    public TransformConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
        AddColumn(new ThroughputColumn("MB/s", (bytes, _, ns) => bytes / 1024.0 / 1024.0 / (ns / 1e9)));
        AddColumn(new ThroughputColumn("products/s", (_, products, ns) => products / (ns / 1e9)));
    }
}

/// <summary>A rate computed from the mean time and the input's size.</summary>
public sealed class ThroughputColumn(string name, Func<long, long, double, double> rate) : IColumn
{
    private static readonly Dictionary<string, (long Bytes, long Products)> Sizes = new();

    private static (long Bytes, long Products) SizeOf(string input)
    {
        lock (Sizes)
        {
            if (!Sizes.TryGetValue(input, out var size))
            {
                var pages = TransformBenchmarks.PagesOf(input);
                Sizes[input] = size = (pages.Sum(p => (long)p.Length), pages.Sum(p => (long)TransformWork.Parse(p)));
            }
            return size;
        }
    }

    public string Id => "Throughput." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{name} from the mean time and the input's size";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats) return "-";
        var (bytes, products) = SizeOf((string)benchmarkCase.Parameters["Input"]);
        return rate(bytes, products, stats.Mean).ToString("N1", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Runs the BenchmarkDotNet benchmarks (all arguments go to BenchmarkSwitcher: --filter, --job, …).</summary>
public static class MicroBenchmarks
{
    public static void Run(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
}
