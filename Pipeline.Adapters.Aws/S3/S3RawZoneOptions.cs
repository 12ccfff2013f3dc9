using System.ComponentModel.DataAnnotations;

namespace Pipeline.Adapters.Aws.S3;

/// <summary>Where the S3 raw zone keeps its objects. Bound from <c>Pipeline:Aws:S3</c> (plus <c>Pipeline:Aws:Region</c>).</summary>
public sealed class S3RawZoneOptions
{
    /// <summary>Bucket holding the raw pages.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", ErrorMessage = "Pipeline:Aws:S3:BucketName must be a valid S3 bucket name (3-63 chars, lower case, digits, '.', '-').")]
    public string BucketName { get; set; } = "";

    /// <summary>AWS region, e.g. us-east-1.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Endpoint override for a local S3-compatible server (e.g. http://127.0.0.1:4569); null for real S3.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Path-style addressing (bucket in the path). Needed for local servers; defaults to true when ServiceUrl is set.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Create the bucket in <see cref="S3RawZone.EnsureCreatedAsync"/> when it does not exist. Off by default (production buckets come from Terraform).</summary>
    public bool CreateBucketIfMissing { get; set; }
}
