using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Adapters.Local;

/// <summary>
/// The raw zone as a folder with S3's key layout. Bytes are written verbatim (temp file + atomic rename); metadata sits
/// beside each object in <c>&lt;key&gt;.meta.json</c>. Keys are checked so none can escape the folder.
/// </summary>
public sealed class FolderRawZone(string root) : IRawZone
{
    private const string MetaSuffix = ".meta.json";
    private readonly string _root = Path.GetFullPath(root);

    public string ProviderName => "Local";

    public string Root => _root;

    public Task EnsureCreatedAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    private string PathFor(string key)
    {
        if (!RawKeys.IsSafe(key) || key.EndsWith(MetaSuffix, StringComparison.Ordinal))
            throw new ArgumentException($"Unsafe raw-zone key '{key}'.", nameof(key));
        var full = Path.GetFullPath(Path.Combine(_root, key));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Raw-zone key '{key}' leaves the raw zone.", nameof(key));
        return full;
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> bytes, RawObjectMetadata metadata, CancellationToken ct)
    {
        var path = PathFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await WriteAtomicallyAsync(path + MetaSuffix, JsonSerializer.SerializeToUtf8Bytes(metadata, RawZoneJsonContext.Default.RawObjectMetadata), ct).ConfigureAwait(false);
        await WriteAtomicallyAsync(path, bytes, ct).ConfigureAwait(false);
    }

    private static async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temp, bytes, ct).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    public async Task<RawObject?> GetAsync(string key, CancellationToken ct)
    {
        var path = PathFor(key);
        var metadata = await HeadAsync(key, ct).ConfigureAwait(false);
        if (metadata is null || !File.Exists(path)) return null;
        try
        {
            return new RawObject(key, await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false), metadata);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public async Task<RawObjectMetadata?> HeadAsync(string key, CancellationToken ct)
    {
        var path = PathFor(key);
        if (!File.Exists(path) || !File.Exists(path + MetaSuffix)) return null;
        try
        {
            var bytes = await File.ReadAllBytesAsync(path + MetaSuffix, ct).ConfigureAwait(false);
            return JsonSerializer.Deserialize(bytes, RawZoneJsonContext.Default.RawObjectMetadata);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public Task<RawListing> ListAsync(string prefix, int limit, string? pageToken, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (prefix.Length > 0 && (prefix.Contains("..", StringComparison.Ordinal) || prefix.StartsWith('/') || prefix.Contains('\\')))
            throw new ArgumentException($"Unsafe raw-zone prefix '{prefix}'.", nameof(prefix));
        var slash = prefix.LastIndexOf('/');
        var directory = Path.Combine(_root, slash < 0 ? "" : prefix[..slash]);
        if (!Directory.Exists(directory)) return Task.FromResult(new RawListing([], null));
        var keys = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(MetaSuffix, StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (pageToken is null || string.CompareOrdinal(k, pageToken) > 0))
            .Order(StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        var more = keys.Count > limit;
        if (more) keys.RemoveAt(keys.Count - 1);
        var items = keys.Select(k =>
        {
            var info = new FileInfo(Path.Combine(_root, k));
            return new RawObjectInfo(k, info.Length, info.LastWriteTimeUtc);
        }).ToList();
        return Task.FromResult(new RawListing(items, more ? keys[^1] : null));
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RawObjectMetadata))]
internal sealed partial class RawZoneJsonContext : JsonSerializerContext;
