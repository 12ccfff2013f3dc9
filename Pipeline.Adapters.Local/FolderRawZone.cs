using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The raw zone as a folder with S3's key layout. Bytes are written verbatim (temp file + atomic rename). Metadata goes
/// where S3 keeps it, on the object itself: an extended attribute of the object's file, set before the rename, so
/// bytes and metadata appear (and are replaced) together and a page costs one file. Where extended attributes are not
/// available the metadata sits beside the object in <c>&lt;key&gt;.meta.json</c>; reads take the attribute first and the
/// side file otherwise, so folders written either way (or by earlier versions) read the same. Keys are checked so none
/// can escape the folder.
/// </summary>
public sealed class FolderRawZone(string root, RawMetadataPlacement placement = RawMetadataPlacement.Auto) : IRawZone
{
    private const string MetaSuffix = ".meta.json";
    private const string TempSuffix = ".tmp";
    private readonly string _root = Path.GetFullPath(root);
    private volatile bool _attributes = placement == RawMetadataPlacement.Auto && ExtendedAttributes.Supported;

    public string ProviderName => "Local";

    public string Root => _root;

    /// <summary>True while metadata goes into extended attributes (false after the file system refused one).</summary>
    public bool UsesExtendedAttributes => _attributes;

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
        var json = JsonSerializer.SerializeToUtf8Bytes(metadata, RawZoneJsonContext.Default.RawObjectMetadata);
        var (temp, inAttribute) = await WriteTempAsync(path, bytes, _attributes ? json : null, ct).ConfigureAwait(false);
        try
        {
            // Without the attribute the side file goes first, so that an object is never seen without its metadata.
            if (!inAttribute) await WriteAtomicallyAsync(path + MetaSuffix, json, ct).ConfigureAwait(false);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        MoveIntoPlace(temp, path);
        // An object rewritten with its metadata inside drops a side file left by an earlier write of the key.
        if (inAttribute) TryDelete(path + MetaSuffix);
    }

    private async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var (temp, _) = await WriteTempAsync(path, bytes, null, ct).ConfigureAwait(false);
        MoveIntoPlace(temp, path);
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to a new temp file beside <paramref name="path"/>, with <paramref name="attribute"/>
    /// as its metadata attribute when given and taken; returns the temp file and whether the attribute is on it.
    /// </summary>
    private async Task<(string Temp, bool InAttribute)> WriteTempAsync(string path, ReadOnlyMemory<byte> bytes, byte[]? attribute, CancellationToken ct)
    {
        var temp = $"{path}.{Guid.NewGuid():N}{TempSuffix}";
        try
        {
            using var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write);
            await RandomAccess.WriteAsync(handle, bytes, 0, ct).ConfigureAwait(false);
            return (temp, attribute is not null && TrySetAttribute(handle, attribute));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Renames the temp file over the key (atomic on one file system); the temp file goes if that fails.</summary>
    private static void MoveIntoPlace(string temp, string path)
    {
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private bool TrySetAttribute(SafeFileHandle handle, byte[] json)
    {
        var error = ExtendedAttributes.Set(handle, json);
        if (error == 0) return true;
        // Not supported here: stop trying. Too large or no room for this one (ext4 keeps attributes in one block): this one goes beside.
        if (ExtendedAttributes.IsUnsupported(error)) _attributes = false;
        return false;
    }

    /// <summary>Deletes a file if it is there (a missing one is no error).</summary>
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for a later write of the key (listing skips temp and side files).
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public async Task<RawObject?> GetAsync(string key, CancellationToken ct)
    {
        var path = PathFor(key);
        using var handle = TryOpen(path);
        if (handle is null) return null;
        var metadata = await ReadMetadataAsync(handle, path, ct).ConfigureAwait(false);
        if (metadata is null) return null;
        var bytes = new byte[RandomAccess.GetLength(handle)];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), read, ct).ConfigureAwait(false);
            if (n == 0) break;
            read += n;
        }
        return new RawObject(key, bytes.AsMemory(0, read), metadata);
    }

    public async Task<RawObjectMetadata?> HeadAsync(string key, CancellationToken ct)
    {
        var path = PathFor(key);
        using var handle = TryOpen(path);
        return handle is null ? null : await ReadMetadataAsync(handle, path, ct).ConfigureAwait(false);
    }

    /// <summary>The object's file, held open so that its bytes and its attribute are one version of it; null when absent.</summary>
    private static SafeFileHandle? TryOpen(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The attribute if the file has one, else the side file; null for neither (an object still being written).</summary>
    private async Task<RawObjectMetadata?> ReadMetadataAsync(SafeFileHandle handle, string path, CancellationToken ct)
    {
        if (ExtendedAttributes.Supported && ExtendedAttributes.Get(handle) is { } attribute)
            return JsonSerializer.Deserialize(attribute.Span, RawZoneJsonContext.Default.RawObjectMetadata);
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
            .Where(f => !f.EndsWith(MetaSuffix, StringComparison.Ordinal) && !f.EndsWith(TempSuffix, StringComparison.Ordinal))
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
