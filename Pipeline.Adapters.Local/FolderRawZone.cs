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

    /// <summary>
    /// Keys in ordinal order, read lazily: each folder's entries are sorted as the keys below them sort (a folder as
    /// <c>name/</c>), folders wholly before the page token or outside the prefix are skipped unread, and the walk stops at
    /// the key after the page. A page costs the entries of the folders on its path, not a walk of the raw zone.
    /// </summary>
    public Task<RawListing> ListAsync(string prefix, int limit, string? pageToken, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (prefix.Length > 0 && (prefix.Contains("..", StringComparison.Ordinal) || prefix.StartsWith('/') || prefix.Contains('\\')))
            throw new ArgumentException($"Unsafe raw-zone prefix '{prefix}'.", nameof(prefix));
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? "" : prefix[..(slash + 1)];
        var keys = new List<string>(Math.Min(limit, 1000) + 1);
        foreach (var key in KeysUnder(start, prefix, pageToken, ct))
        {
            keys.Add(key);
            if (keys.Count > limit) break;
        }
        var more = keys.Count > limit;
        if (more) keys.RemoveAt(keys.Count - 1);
        var items = keys.Select(k =>
        {
            var info = new FileInfo(Path.Combine(_root, k));
            return new RawObjectInfo(k, info.Length, info.LastWriteTimeUtc);
        }).ToList();
        return Task.FromResult(new RawListing(items, more ? keys[^1] : null));
    }

    /// <summary>The cheapest proof that the folder answers: it is there (or not yet created) and one entry of it can be read.</summary>
    public Task ProbeAsync(CancellationToken ct)
    {
        if (!Directory.Exists(_root)) return Task.CompletedTask; // created by the first write
        using var entries = Entries(_root).GetEnumerator();
        entries.MoveNext();
        return Task.CompletedTask;
    }

    /// <summary>Directory entries read by listings and probes so far (tests prove with it that a page reads a bounded number).</summary>
    internal long DirectoryEntriesRead => Interlocked.Read(ref _entriesRead);

    private long _entriesRead;

    /// <summary>
    /// The keys under folder <paramref name="directory"/> (relative, empty or ending in '/') that start with
    /// <paramref name="prefix"/> and sort after <paramref name="after"/>, in ordinal order.
    /// </summary>
    private IEnumerable<string> KeysUnder(string directory, string prefix, string? after, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        foreach (var (name, isDirectory) in SortedEntries(directory))
        {
            var key = directory + name;
            if (isDirectory)
            {
                // Everything below starts with key ("…/name/"): skip it when the prefix excludes it or it all sorts before the token.
                if (!key.StartsWith(prefix, StringComparison.Ordinal) && !prefix.StartsWith(key, StringComparison.Ordinal)) continue;
                if (after is not null && string.CompareOrdinal(key, after) < 0 && !after.StartsWith(key, StringComparison.Ordinal)) continue;
                foreach (var below in KeysUnder(key, prefix, after, ct)) yield return below;
            }
            else if (key.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(key, after) > 0)
                     && !name.EndsWith(MetaSuffix, StringComparison.Ordinal) && !name.EndsWith(TempSuffix, StringComparison.Ordinal))
            {
                yield return key;
            }
        }
    }

    /// <summary>A folder's entries as read (a sub-folder's name ends in '/'), each counted in <see cref="DirectoryEntriesRead"/>.</summary>
    private IEnumerable<(string Name, bool IsDirectory)> Entries(string path)
    {
        var enumerable = new System.IO.Enumeration.FileSystemEnumerable<(string, bool)>(path,
            (ref System.IO.Enumeration.FileSystemEntry e) => e.IsDirectory ? (e.FileName.ToString() + "/", true) : (e.FileName.ToString(), false));
        foreach (var entry in enumerable)
        {
            Interlocked.Increment(ref _entriesRead);
            yield return entry;
        }
    }

    /// <summary>
    /// One folder's entries in the order of the keys below them: a folder sorts as <c>name/</c>, so "a/x" comes after
    /// "a-b" as S3 lists it. A folder that is gone (deleted meanwhile) has none.
    /// </summary>
    private List<(string Name, bool IsDirectory)> SortedEntries(string directory)
    {
        var path = directory.Length == 0 ? _root : Path.Combine(_root, directory[..^1]);
        var entries = new List<(string Name, bool IsDirectory)>();
        try
        {
            entries.AddRange(Entries(path));
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }
}
