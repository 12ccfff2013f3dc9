using System.Security.Cryptography;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// What every <see cref="IRawZone"/> must do (folder and S3 alike). Derive once per implementation; each test gets a
/// fresh, empty raw zone from <see cref="CreateRawZoneAsync"/> (already EnsureCreated).
/// </summary>
public abstract class RawZoneContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset FetchedAt = new(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    /// <summary>A new, empty raw zone for one test.</summary>
    protected abstract Task<IRawZone> CreateRawZoneAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static string PageKey(int page, string runId = "run-1", string source = "dummyjson") =>
        RawKeys.Page(source, new DateOnly(2026, 3, 14), runId, page);

    protected static RawObjectMetadata MetadataFor(ReadOnlySpan<byte> bytes, int page = 1, string runId = "run-1") => new()
    {
        RunId = runId,
        Source = "dummyjson",
        SourceUrl = $"http://127.0.0.1:8080/products?limit=30&skip={(page - 1) * 30}&select=title,price",
        FetchedAt = FetchedAt,
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
        Page = page,
        ContentType = "application/json",
    };

    [Fact]
    public async Task A_real_catalog_page_round_trips_byte_for_byte_with_its_metadata()
    {
        var zone = await CreateRawZoneAsync();
        var bytes = SharedFixtures.ReadBytes("dummyjson", "products.json"); // ~390 KB: several upload chunks
        var key = PageKey(7);
        var metadata = MetadataFor(bytes, page: 7);

        await zone.PutAsync(key, bytes, metadata, CancellationToken.None);
        var read = await zone.GetAsync(key, CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(key, read.Key);
        Assert.Equal(bytes.Length, read.Bytes.Length);
        Assert.True(bytes.AsSpan().SequenceEqual(read.Bytes.Span), "the bytes read back differ from the bytes written");
        Assert.Equal(metadata.Sha256, Convert.ToHexStringLower(SHA256.HashData(read.Bytes.Span)));
        AssertSameMetadata(metadata, read.Metadata);
    }

    [Fact]
    public async Task Binary_and_empty_objects_round_trip_exactly()
    {
        var zone = await CreateRawZoneAsync();
        var binary = Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 % 256)).ToArray();
        var empty = Array.Empty<byte>();

        await zone.PutAsync(PageKey(1), binary, MetadataFor(binary, 1) with { ContentType = "application/octet-stream" }, CancellationToken.None);
        await zone.PutAsync(PageKey(2), empty, MetadataFor(empty, 2), CancellationToken.None);

        var readBinary = await zone.GetAsync(PageKey(1), CancellationToken.None);
        var readEmpty = await zone.GetAsync(PageKey(2), CancellationToken.None);
        Assert.NotNull(readBinary);
        Assert.NotNull(readEmpty);
        Assert.Equal(binary, readBinary.Bytes.ToArray());
        Assert.Equal("application/octet-stream", readBinary.Metadata.ContentType);
        Assert.Equal(0, readEmpty.Bytes.Length);
    }

    [Fact]
    public async Task Head_returns_the_metadata_and_missing_objects_are_null()
    {
        var zone = await CreateRawZoneAsync();
        var bytes = "{\"products\":[]}"u8.ToArray();
        var metadata = MetadataFor(bytes, 3) with { TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }; // the fetch span's
        await zone.PutAsync(PageKey(3), bytes, metadata, CancellationToken.None);

        var head = await zone.HeadAsync(PageKey(3), CancellationToken.None);
        Assert.NotNull(head);
        AssertSameMetadata(metadata, head);

        Assert.Null(await zone.HeadAsync(PageKey(4), CancellationToken.None));
        Assert.Null(await zone.GetAsync(PageKey(4), CancellationToken.None));
    }

    [Fact]
    public async Task Putting_the_same_key_again_replaces_the_object()
    {
        var zone = await CreateRawZoneAsync();
        var first = "{\"v\":1}"u8.ToArray();
        var second = "{\"v\":2,\"longer\":true}"u8.ToArray();
        await zone.PutAsync(PageKey(1), first, MetadataFor(first, 1, "run-a"), CancellationToken.None);
        await zone.PutAsync(PageKey(1), second, MetadataFor(second, 1, "run-b"), CancellationToken.None);

        var read = await zone.GetAsync(PageKey(1), CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(second, read.Bytes.ToArray());
        Assert.Equal("run-b", read.Metadata.RunId);

        var listing = await zone.ListAsync(RawKeys.Root, 100, null, CancellationToken.None);
        var only = Assert.Single(listing.Items);
        Assert.Equal(second.Length, only.Size);
    }

    [Fact]
    public async Task Listing_pages_through_a_prefix_in_key_order_exactly_once()
    {
        var zone = await CreateRawZoneAsync();
        var runPrefix = RawKeys.RunPrefix("dummyjson", new DateOnly(2026, 3, 14), "run-1");
        int[] pages = [5, 1, 4, 2, 3];
        foreach (var page in pages)
        {
            var bytes = new byte[100 + page];
            await zone.PutAsync(PageKey(page), bytes, MetadataFor(bytes, page), CancellationToken.None);
        }
        // Other runs and sources must not show up under this prefix.
        var other = "{}"u8.ToArray();
        await zone.PutAsync(PageKey(1, runId: "run-10"), other, MetadataFor(other, 1, "run-10"), CancellationToken.None);
        await zone.PutAsync(PageKey(1, source: "fakestore"), other, MetadataFor(other, 1), CancellationToken.None);

        var seen = new List<RawObjectInfo>();
        string? token = null;
        var calls = 0;
        do
        {
            var listing = await zone.ListAsync(runPrefix, 2, token, CancellationToken.None);
            Assert.True(listing.Items.Count <= 2, $"a page of limit 2 returned {listing.Items.Count} items");
            seen.AddRange(listing.Items);
            token = listing.NextPageToken;
            Assert.True(++calls <= 5, "paging did not end");
        } while (token is not null);

        Assert.Equal(Enumerable.Range(1, 5).Select(p => PageKey(p)).ToList(), seen.Select(i => i.Key).ToList());
        Assert.Equal(Enumerable.Range(1, 5).Select(p => 100L + p).ToList(), seen.Select(i => i.Size).ToList());
        Assert.All(seen, i => Assert.True(i.LastModified > DateTimeOffset.UnixEpoch));
        Assert.Equal(3, calls);

        var all = await zone.ListAsync(RawKeys.Root, 100, null, CancellationToken.None);
        Assert.Equal(7, all.Items.Count);
        Assert.Null(all.NextPageToken);
        Assert.Equal(all.Items.Select(i => i.Key).Order(StringComparer.Ordinal).ToList(), all.Items.Select(i => i.Key).ToList());

        var none = await zone.ListAsync("raw/source=nothing/", 10, null, CancellationToken.None);
        Assert.Empty(none.Items);
        Assert.Null(none.NextPageToken);
    }

    private static readonly string[] UnsafeKeys =
    [
        "../escape.json", "raw/../../etc/passwd", "/raw/absolute.json", "raw//double.json", "raw\\back.json",
        "raw/./dot.json", "raw/nul\0.json", "raw/tab\t.json", "",
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Unsafe_keys_are_rejected(int index)
    {
        var key = UnsafeKeys[index];
        var zone = await CreateRawZoneAsync();
        var bytes = "{}"u8.ToArray();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => zone.PutAsync(key, bytes, MetadataFor(bytes), CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => zone.GetAsync(key, CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => zone.HeadAsync(key, CancellationToken.None));
        var listing = await zone.ListAsync(RawKeys.Root, 10, null, CancellationToken.None);
        Assert.Empty(listing.Items);
    }

    protected static void AssertSameMetadata(RawObjectMetadata expected, RawObjectMetadata actual)
    {
        Assert.Equal(expected.RunId, actual.RunId);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.SourceUrl, actual.SourceUrl);
        Assert.Equal(expected.FetchedAt, actual.FetchedAt);
        Assert.Equal(expected.Sha256, actual.Sha256);
        Assert.Equal(expected.Page, actual.Page);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.TraceParent, actual.TraceParent);
    }
}
