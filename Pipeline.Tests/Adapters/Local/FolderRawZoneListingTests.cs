using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// The folder raw zone lists as S3 does (ordinal key order, prefix, opaque page token) by walking its folders in key
/// order and stopping after the page: a page reads the entries of the folders on its path, whatever the zone holds.
/// </summary>
public sealed class FolderRawZoneListingTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateOnly Day = new(2026, 11, 26);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A zone holding exactly these keys (empty objects written straight to disk, plus the side files listing skips).</summary>
    private FolderRawZone ZoneWith(IEnumerable<string> keys)
    {
        var root = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N"));
        foreach (var key in keys)
        {
            var path = Path.Combine(root, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, []);
        }
        return new FolderRawZone(root);
    }

    private static async Task<List<string>> ListAllAsync(IRawZone zone, string prefix, int limit)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await zone.ListAsync(prefix, limit, token, None);
            Assert.True(page.Items.Count <= limit);
            keys.AddRange(page.Items.Select(i => i.Key));
            token = page.NextPageToken;
            Assert.True(token is null || page.Items.Count == limit, "a page with a next token is full");
        } while (token is not null);
        return keys;
    }

    // '.' (0x2E) and '-' (0x2D) sort before '/' (0x2F), '0' (0x30) after it: a folder "a" is not simply "a" among its siblings.
    private static readonly string[] TrickyKeys =
    [
        "raw/a/x.json", "raw/a/b/c.json", "raw/a-b.json", "raw/a.json", "raw/a0.json", "raw/a/z/1.json", "raw/a/z.json",
        "raw/b.json", "raw/ab/y.json", "raw/a/-.json",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(100)]
    public async Task Keys_across_nested_folders_come_in_ordinal_order_exactly_once_at_any_page_size(int limit)
    {
        var zone = ZoneWith(TrickyKeys);

        var listed = await ListAllAsync(zone, RawKeys.Root, limit);

        Assert.Equal(TrickyKeys.Order(StringComparer.Ordinal).ToList(), listed);
    }

    [Theory]
    [InlineData("raw/a")]
    [InlineData("raw/a/")]
    [InlineData("raw/a/z")]
    [InlineData("raw/a-")]
    [InlineData("raw/")]
    [InlineData("")]
    [InlineData("raw/c")]
    [InlineData("elsewhere/")]
    public async Task A_prefix_selects_the_keys_that_start_with_it_whether_or_not_it_ends_at_a_folder(string prefix)
    {
        var zone = ZoneWith(TrickyKeys);

        var listed = await ListAllAsync(zone, prefix, 2);

        Assert.Equal(TrickyKeys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList(), listed);
    }

    [Fact]
    public async Task A_page_token_resumes_after_its_key_deep_in_a_folder_and_skips_side_and_temp_files()
    {
        var keys = Enumerable.Range(1, 3).SelectMany(run => Enumerable.Range(1, 4).Select(page => RawKeys.Page("synthetic", Day, $"run-{run}", page))).ToList();
        var zone = ZoneWith(keys);
        File.WriteAllText(Path.Combine(zone.Root, keys[0] + ".meta.json"), "{}");
        File.WriteAllBytes(Path.Combine(zone.Root, keys[1] + ".0123abcd.tmp"), []);

        var first = await zone.ListAsync(RawKeys.Root, 5, null, None);
        var second = await zone.ListAsync(RawKeys.Root, 5, first.NextPageToken, None);
        var fromAToken = await zone.ListAsync(RawKeys.Root, 100, keys[3], None); // the last page of run-1: the next is in run-2's folder

        Assert.Equal(keys[..5], first.Items.Select(i => i.Key));
        Assert.Equal(keys[5..10], second.Items.Select(i => i.Key));
        Assert.Equal(keys[4..], fromAToken.Items.Select(i => i.Key));
        Assert.Null(fromAToken.NextPageToken);
        Assert.Equal(keys, await ListAllAsync(zone, RawKeys.Root, 4));
    }

    [Fact]
    public async Task A_page_of_a_zone_with_thousands_of_files_reads_only_the_folders_on_its_path()
    {
        const int Runs = 40, Pages = 100; // 4,000 objects: raw/source=synthetic/dt=…/run=run-NN/page-NNNNNN.json
        var keys = Enumerable.Range(1, Runs)
            .SelectMany(run => Enumerable.Range(1, Pages).Select(page => RawKeys.Page("synthetic", Day, $"run-{run:D2}", page)))
            .ToList();
        var zone = ZoneWith(keys);
        // The folders a page may read: raw/ (1 entry), source=synthetic/ (1), dt=…/ (40 runs), and at most two run folders
        // (100 each) when the page crosses from one run into the next.
        const long Bound = 1 + 1 + Runs + 2 * Pages;

        var before = zone.DirectoryEntriesRead;
        var first = await zone.ListAsync(RawKeys.Root, 10, null, None);
        var firstCost = zone.DirectoryEntriesRead - before;

        before = zone.DirectoryEntriesRead;
        var middle = await zone.ListAsync(RawKeys.Root, 10, RawKeys.Page("synthetic", Day, "run-20", 95), None); // crosses into run-21
        var middleCost = zone.DirectoryEntriesRead - before;

        before = zone.DirectoryEntriesRead;
        var inRun = await zone.ListAsync(RawKeys.RunPrefix("synthetic", Day, "run-33"), 1, null, None);
        var inRunCost = zone.DirectoryEntriesRead - before;

        Assert.Equal(keys[..10], first.Items.Select(i => i.Key));
        Assert.Equal(keys[(19 * Pages + 95)..(19 * Pages + 105)], middle.Items.Select(i => i.Key));
        Assert.Equal(RawKeys.Page("synthetic", Day, "run-33", 1), Assert.Single(inRun.Items).Key);
        Assert.InRange(firstCost, 1, Bound);
        Assert.InRange(middleCost, 1, Bound);
        Assert.InRange(inRunCost, 1, Bound);
        Assert.True(firstCost * 10 < keys.Count, $"a page read {firstCost} entries of a zone of {keys.Count} objects");
    }

    [Fact]
    public async Task The_health_probe_reads_at_most_one_entry_whatever_the_zone_holds()
    {
        var zone = ZoneWith(Enumerable.Range(1, 2_000).Select(page => RawKeys.Page("synthetic", Day, "run-1", page)));
        var empty = new FolderRawZone(Path.Combine(_dir.Path, "not-created-yet"));

        var before = zone.DirectoryEntriesRead;
        await ((IRawZone)zone).ProbeAsync(None);
        await ((IRawZone)empty).ProbeAsync(None);

        Assert.InRange(zone.DirectoryEntriesRead - before, 0, 1);
        Assert.Equal(0, empty.DirectoryEntriesRead);
    }
}
