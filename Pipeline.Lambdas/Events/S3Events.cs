using System.Net;
using System.Text.Json.Serialization;

namespace Pipeline.Lambdas.Events;

/// <summary>An S3 event notification (ObjectCreated:* and the rest), as S3 invokes a function with it.</summary>
public sealed record S3Event
{
    [JsonPropertyName("Records")]
    public List<S3EventRecord>? Records { get; init; }
}

/// <summary>One notification of an <see cref="S3Event"/>.</summary>
public sealed record S3EventRecord
{
    public string? EventVersion { get; init; }
    public string? EventSource { get; init; }
    public string? AwsRegion { get; init; }
    public DateTimeOffset? EventTime { get; init; }

    /// <summary>E.g. <c>ObjectCreated:Put</c>, <c>ObjectCreated:CompleteMultipartUpload</c>, <c>ObjectRemoved:Delete</c>.</summary>
    public string? EventName { get; init; }

    public S3Entity? S3 { get; init; }

    [JsonIgnore]
    public bool IsObjectCreated => EventName?.StartsWith("ObjectCreated:", StringComparison.Ordinal) == true;
}

/// <summary>The <c>s3</c> part of a notification: bucket and object.</summary>
public sealed record S3Entity
{
    public string? S3SchemaVersion { get; init; }
    public string? ConfigurationId { get; init; }
    public S3BucketEntity? Bucket { get; init; }
    public S3ObjectEntity? Object { get; init; }
}

/// <summary>The bucket of a notification.</summary>
public sealed record S3BucketEntity
{
    public string? Name { get; init; }
    public string? Arn { get; init; }
}

/// <summary>The object of a notification. <see cref="Key"/> is URL-encoded as in a form: decode it with <see cref="DecodedKey"/>.</summary>
public sealed record S3ObjectEntity
{
    /// <summary>The key as S3 sends it: form-encoded (<c>+</c> is a space, <c>%3D</c> is <c>=</c>, <c>%2B</c> is <c>+</c>).</summary>
    public string? Key { get; init; }

    public long? Size { get; init; }

    [JsonPropertyName("eTag")]
    public string? ETag { get; init; }

    public string? VersionId { get; init; }
    public string? Sequencer { get; init; }

    /// <summary>The object's real key: <c>New+File.jpg</c> → <c>New File.jpg</c>, <c>run%3Dx</c> → <c>run=x</c>.</summary>
    [JsonIgnore]
    public string? DecodedKey => Key is null ? null : WebUtility.UrlDecode(Key);
}

/// <summary>What the transform function did with an S3 event (S3 ignores the answer; it is for logs and tests).</summary>
public sealed record TransformSummary(int Transformed, int AlreadyTransformed, int Ignored, int RunNotActive, int Skipped);
