using System.Diagnostics;
using System.Security.Cryptography;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>
/// The folder raw zone alone: <c>pages</c> Synthetic pages of 100 products put by concurrent writers (as the fetch
/// workers do), then each read back with its metadata (as the transform does), with the metadata in the file's extended
/// attribute (one file a page) and in a side file (two). Rounds alternate the order, since a folder deleted just before
/// makes the next file creations on this ext4 (no journal) slower: its inode allocator skips recently freed inodes.
/// </summary>
public static class RawZoneProfile
{
    public static async Task RunAsync(int pages, int rounds, int concurrency)
    {
        Report.Print($"Machine: {Machine.Describe()}\n");
        // 64 distinct pages, reused round-robin: what is measured is the file system's work, not the generator's.
        var bytes = Enumerable.Range(0, 64).Select(i => SyntheticSource.GeneratePage(42, 0, 1_000_000, i * 100, 100)).ToArray();
        var table = new Table($"Folder raw zone: {pages:N0} pages of 100 Synthetic products ({bytes[0].Length / 1024.0:0} KiB each), {concurrency} concurrent writers, then readers",
            "round", "metadata", "files", "put wall s", "put CPU s", "put CPU µs a page", "get wall s", "get CPU s", "get CPU µs a page");
        for (var round = 1; round <= rounds; round++)
        {
            RawMetadataPlacement[] order = round % 2 == 1 ? [RawMetadataPlacement.Auto, RawMetadataPlacement.Sidecar] : [RawMetadataPlacement.Sidecar, RawMetadataPlacement.Auto];
            foreach (var placement in order)
            {
                var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "raw-" + Guid.NewGuid().ToString("N")[..8]);
                var zone = new FolderRawZone(dir, placement);
                await zone.EnsureCreatedAsync(CancellationToken.None);
                var runId = Guid.NewGuid().ToString("N");
                string KeyOf(int page) => RawKeys.Page("synthetic", new DateOnly(2026, 11, 26), runId, page);

                var cpu = CpuClock.ProcessSeconds();
                var clock = Stopwatch.StartNew();
                await Parallel.ForEachAsync(Enumerable.Range(1, pages), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (page, ct) =>
                {
                    var pageBytes = bytes[page % bytes.Length];
                    await zone.PutAsync(KeyOf(page), pageBytes, new RawObjectMetadata
                    {
                        RunId = runId, Source = "synthetic", Page = page, FetchedAt = DateTimeOffset.UtcNow,
                        SourceUrl = $"synthetic://products?seed=42&epoch=0&skip={(page - 1) * 100}&limit=100",
                        Sha256 = Convert.ToHexStringLower(SHA256.HashData(pageBytes)),
                    }, ct);
                });
                var putWall = clock.Elapsed.TotalSeconds;
                var putCpu = CpuClock.ProcessSeconds() - cpu;
                var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count();

                cpu = CpuClock.ProcessSeconds();
                clock.Restart();
                await Parallel.ForEachAsync(Enumerable.Range(1, pages), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (page, ct) =>
                {
                    _ = await zone.GetAsync(KeyOf(page), ct) ?? throw new InvalidOperationException($"page {page} is missing");
                });
                var getWall = clock.Elapsed.TotalSeconds;
                var getCpu = CpuClock.ProcessSeconds() - cpu;
                var label = placement == RawMetadataPlacement.Auto ? (zone.UsesExtendedAttributes ? "extended attribute" : "side file (no attributes here)") : "side file";
                table.Add(round, label, files, putWall, putCpu, putCpu * 1e6 / pages, getWall, getCpu, getCpu * 1e6 / pages);
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
        Report.Print(table);
    }
}
