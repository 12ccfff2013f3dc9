using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// Where the folder raw zone keeps metadata: in the object file's extended attribute where the file system takes one
/// (one file per page), else in a side file; folders written either way read the same.
/// </summary>
public sealed class FolderRawZoneTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempFolder _dir = new();

    private string NewRoot() => Path.Combine(_dir.Path, Guid.NewGuid().ToString("N"));

    private static string Key(int page) => RawKeys.Page("synthetic", new DateOnly(2026, 11, 26), "run-1", page);

    private static RawObjectMetadata MetadataFor(byte[] bytes, string runId = "run-1", string? sourceUrl = null) => new()
    {
        RunId = runId,
        Source = "synthetic",
        SourceUrl = sourceUrl ?? "synthetic://products?seed=42&epoch=0&skip=0&limit=100",
        FetchedAt = new DateTimeOffset(2026, 11, 26, 4, 30, 0, TimeSpan.Zero),
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
        Page = 1,
    };

    private static string[] FilesUnder(string root) =>
        [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_page_is_one_file_carrying_its_metadata_where_the_file_system_takes_attributes()
    {
        var root = NewRoot();
        var zone = new FolderRawZone(root);
        var bytes = "{\"products\":[]}"u8.ToArray();
        var metadata = MetadataFor(bytes);

        await zone.PutAsync(Key(1), bytes, metadata, None);

        if (zone.UsesExtendedAttributes)
        {
            // On Linux (ext4 here): the object and nothing else; its attribute is the metadata's JSON.
            Assert.Equal([Key(1)], FilesUnder(root));
            using var handle = File.OpenHandle(Path.Combine(root, Key(1)));
            var attribute = ExtendedAttributes.Get(handle);
            Assert.NotNull(attribute);
            using var json = JsonDocument.Parse(attribute.Value);
            Assert.Equal(metadata.Sha256, json.RootElement.GetProperty("sha256").GetString());
            Assert.Equal("run-1", json.RootElement.GetProperty("runId").GetString());
        }
        else
        {
            Assert.False(OperatingSystem.IsLinux() && ExtendedAttributes.Supported && IsExt4(root), "ext4 takes user attributes, yet the zone fell back");
            Assert.Equal([Key(1), Key(1) + ".meta.json"], FilesUnder(root));
        }
        var read = await zone.GetAsync(Key(1), None);
        Assert.NotNull(read);
        Assert.Equal(bytes, read.Bytes.ToArray());
        Assert.Equal(metadata, read.Metadata);
    }

    [Fact]
    public async Task A_folder_written_with_side_files_reads_the_same_and_a_rewrite_drops_the_stale_side_file()
    {
        var root = NewRoot();
        var old = new FolderRawZone(root, RawMetadataPlacement.Sidecar);
        var first = "{\"v\":1}"u8.ToArray();
        await old.PutAsync(Key(1), first, MetadataFor(first, "run-a"), None);
        await old.PutAsync(Key(2), first, MetadataFor(first, "run-a"), None);
        Assert.Equal([Key(1), Key(1) + ".meta.json", Key(2), Key(2) + ".meta.json"], FilesUnder(root));

        var zone = new FolderRawZone(root);
        var read = await zone.GetAsync(Key(2), None);
        Assert.NotNull(read);
        Assert.Equal(first, read.Bytes.ToArray());
        Assert.Equal("run-a", read.Metadata.RunId);
        Assert.Equal("run-a", (await zone.HeadAsync(Key(2), None))?.RunId);

        var second = "{\"v\":2}"u8.ToArray();
        await zone.PutAsync(Key(1), second, MetadataFor(second, "run-b"), None);
        var reread = await zone.GetAsync(Key(1), None);
        Assert.NotNull(reread);
        Assert.Equal(second, reread.Bytes.ToArray());
        Assert.Equal("run-b", reread.Metadata.RunId);
        Assert.Equal(MetadataFor(second, "run-b").Sha256, reread.Metadata.Sha256);
        if (zone.UsesExtendedAttributes)
            Assert.Equal([Key(1), Key(2), Key(2) + ".meta.json"], FilesUnder(root));
        var listing = await zone.ListAsync(RawKeys.Root, 10, null, None);
        Assert.Equal([Key(1), Key(2)], listing.Items.Select(i => i.Key).ToArray());
    }

    [Fact]
    public async Task A_zone_writing_side_files_reads_objects_written_with_attributes()
    {
        var root = NewRoot();
        var bytes = "{\"v\":1}"u8.ToArray();
        await new FolderRawZone(root).PutAsync(Key(1), bytes, MetadataFor(bytes, "run-a"), None);

        var sidecar = new FolderRawZone(root, RawMetadataPlacement.Sidecar);
        var read = await sidecar.GetAsync(Key(1), None);
        Assert.NotNull(read);
        Assert.Equal(bytes, read.Bytes.ToArray());
        Assert.Equal(MetadataFor(bytes, "run-a"), read.Metadata);
    }

    [Fact]
    public async Task Metadata_too_large_for_an_attribute_goes_beside_the_object_and_the_next_object_still_carries_its_own()
    {
        var root = NewRoot();
        var zone = new FolderRawZone(root);
        var bytes = "{}"u8.ToArray();
        // Linux takes no attribute value over 64 KiB on any file system.
        var huge = MetadataFor(bytes, sourceUrl: "synthetic://products?pad=" + new string('x', 70_000));
        await zone.PutAsync(Key(1), bytes, huge, None);
        await zone.PutAsync(Key(2), bytes, MetadataFor(bytes), None);

        Assert.Equal(huge.SourceUrl, (await zone.GetAsync(Key(1), None))?.Metadata.SourceUrl);
        Assert.Equal(MetadataFor(bytes).SourceUrl, (await zone.HeadAsync(Key(2), None))?.SourceUrl);
        Assert.Contains(Key(1) + ".meta.json", FilesUnder(root));
        if (zone.UsesExtendedAttributes) Assert.DoesNotContain(Key(2) + ".meta.json", FilesUnder(root));
        Assert.DoesNotContain(FilesUnder(root), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_without_metadata_is_not_an_object_yet()
    {
        var root = NewRoot();
        var zone = new FolderRawZone(root);
        var path = Path.Combine(root, Key(1));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "{\"products\":[]}", Encoding.UTF8);

        Assert.Null(await zone.HeadAsync(Key(1), None));
        Assert.Null(await zone.GetAsync(Key(1), None));
        Assert.Null(await zone.GetAsync(Key(2), None));
    }

    private static bool IsExt4(string path) =>
        new DriveInfo(Path.GetPathRoot(Path.GetFullPath(path))!).DriveFormat.Equals("ext4", StringComparison.OrdinalIgnoreCase);

    public void Dispose() => _dir.Dispose();
}
