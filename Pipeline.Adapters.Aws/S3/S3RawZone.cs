using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Aws.S3;

/// <summary>
/// The raw zone on S3: verbatim bytes under the raw/… keys, with the run metadata as <c>x-amz-meta-*</c> headers
/// (run-id, source, source-url, fetched-at, sha256, page) and the content type.
/// </summary>
/// <remarks>
/// Uploads turn off <c>aws-chunked</c> encoding (<see cref="PutObjectRequest.UseChunkEncoding"/>): the body is sent as
/// is, with its payload hash in the signature, so an S3-compatible server that does not decode aws-chunked framing
/// still stores exactly the bytes written. Metadata values are sent as ASCII: characters outside printable ASCII are
/// percent-encoded as UTF-8 (harmless for URLs, the only value that may carry them).
/// </remarks>
public sealed class S3RawZone : IRawZone
{
    internal const string MetaRunId = "run-id";
    internal const string MetaSource = "source";
    internal const string MetaSourceUrl = "source-url";
    internal const string MetaFetchedAt = "fetched-at";
    internal const string MetaSha256 = "sha256";
    internal const string MetaPage = "page";
    internal const string MetaTraceParent = "traceparent";

    private const int MaxListLimit = 1000;

    private readonly IAmazonS3 _s3;
    private readonly S3RawZoneOptions _options;
    private readonly ILogger<S3RawZone> _logger;

    public S3RawZone(IAmazonS3 s3, S3RawZoneOptions options, ILogger<S3RawZone>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.BucketName))
            throw new ArgumentException("Pipeline:Aws:S3:BucketName is required.", nameof(options));
        _s3 = s3;
        _options = options;
        _logger = logger ?? NullLogger<S3RawZone>.Instance;
    }

    public string ProviderName => "S3";

    /// <summary>The bucket this raw zone writes to.</summary>
    public string BucketName => _options.BucketName;

    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        if (!_options.CreateBucketIfMissing) return;
        try
        {
            await _s3.PutBucketAsync(new PutBucketRequest { BucketName = _options.BucketName }, ct).ConfigureAwait(false);
            _logger.LogInformation("Created S3 bucket {Bucket}", _options.BucketName);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            _logger.LogDebug("S3 bucket {Bucket} already exists", _options.BucketName);
        }
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> bytes, RawObjectMetadata metadata, CancellationToken ct)
    {
        EnsureSafe(key);
        ArgumentNullException.ThrowIfNull(metadata);
        using var body = MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _options.BucketName,
            Key = key,
            InputStream = body,
            ContentType = metadata.ContentType,
            // The aws-chunked trap: send the body verbatim (see the remarks on the class).
            UseChunkEncoding = false,
            AutoCloseStream = false,
        };
        request.Metadata.Add(MetaRunId, ToHeaderValue(metadata.RunId));
        request.Metadata.Add(MetaSource, ToHeaderValue(metadata.Source));
        request.Metadata.Add(MetaSourceUrl, ToHeaderValue(metadata.SourceUrl));
        request.Metadata.Add(MetaFetchedAt, metadata.FetchedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        request.Metadata.Add(MetaSha256, ToHeaderValue(metadata.Sha256));
        request.Metadata.Add(MetaPage, metadata.Page.ToString(CultureInfo.InvariantCulture));
        if (metadata.TraceParent is { Length: > 0 } traceParent) request.Metadata.Add(MetaTraceParent, ToHeaderValue(traceParent));
        await _s3.PutObjectAsync(request, ct).ConfigureAwait(false);
        _logger.LogDebug("Put s3://{Bucket}/{Key} ({Bytes} bytes)", _options.BucketName, key, bytes.Length);
    }

    public async Task<RawObject?> GetAsync(string key, CancellationToken ct)
    {
        EnsureSafe(key);
        try
        {
            using var response = await _s3.GetObjectAsync(
                new GetObjectRequest { BucketName = _options.BucketName, Key = key }, ct).ConfigureAwait(false);
            var capacity = response.ContentLength is > 0 and < int.MaxValue ? (int)response.ContentLength : 0;
            using var buffer = new MemoryStream(capacity);
            await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
            var metadata = ReadMetadata(key, response.Metadata, response.Headers.ContentType);
            return new RawObject(key, buffer.ToArray(), metadata);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is "NoSuchKey" or "NotFound")
        {
            return null;
        }
    }

    public async Task<RawObjectMetadata?> HeadAsync(string key, CancellationToken ct)
    {
        EnsureSafe(key);
        try
        {
            var response = await _s3.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _options.BucketName, Key = key }, ct).ConfigureAwait(false);
            return ReadMetadata(key, response.Metadata, response.Headers.ContentType);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<RawListing> ListAsync(string prefix, int limit, string? pageToken, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var response = await _s3.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = _options.BucketName,
            Prefix = prefix.Length == 0 ? null : prefix,
            MaxKeys = Math.Min(limit, MaxListLimit),
            ContinuationToken = string.IsNullOrEmpty(pageToken) ? null : pageToken,
        }, ct).ConfigureAwait(false);

        var items = (response.S3Objects ?? [])
            .Select(o => new RawObjectInfo(
                o.Key,
                o.Size ?? 0,
                o.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue))
            .ToList();
        var next = response.IsTruncated == true && !string.IsNullOrEmpty(response.NextContinuationToken)
            ? response.NextContinuationToken
            : null;
        return new RawListing(items, next);
    }

    private static void EnsureSafe(string key)
    {
        if (!RawKeys.IsSafe(key))
            throw new ArgumentException($"Unsafe raw-zone key '{Printable(key)}'.", nameof(key));
    }

    private static string Printable(string? key) =>
        key is null ? "(null)" : new string(key.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static RawObjectMetadata ReadMetadata(string key, MetadataCollection meta, string? contentType)
    {
        string Required(string name) =>
            meta[name] is { Length: > 0 } value
                ? value
                : throw new InvalidDataException($"Raw object '{key}' has no x-amz-meta-{name} metadata.");

        var fetchedAt = DateTimeOffset.Parse(Required(MetaFetchedAt), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var page = meta[MetaPage] is { Length: > 0 } p ? int.Parse(p, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0;
        return new RawObjectMetadata
        {
            RunId = Required(MetaRunId),
            Source = Required(MetaSource),
            SourceUrl = Required(MetaSourceUrl),
            FetchedAt = fetchedAt,
            Sha256 = Required(MetaSha256),
            Page = page,
            TraceParent = meta[MetaTraceParent] is { Length: > 0 } traceParent ? traceParent : null,
            ContentType = string.IsNullOrEmpty(contentType) ? "application/octet-stream" : contentType,
        };
    }

    /// <summary>HTTP header values must be printable ASCII: percent-encode anything else as UTF-8.</summary>
    internal static string ToHeaderValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.All(c => c is >= ' ' and <= '~')) return value;
        var sb = new StringBuilder(value.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is >= ' ' and <= '~')
            {
                sb.Append(c);
                continue;
            }
            var length = char.IsSurrogatePair(value, i)
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length]) sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
