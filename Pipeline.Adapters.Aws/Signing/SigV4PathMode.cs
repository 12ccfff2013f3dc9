namespace Pipeline.Adapters.Aws.Signing;

/// <summary>How the URI path becomes the canonical URI.</summary>
public enum SigV4PathMode
{
    /// <summary>
    /// Every service except S3: remove empty, <c>.</c> and <c>..</c> segments, then percent-encode each segment of
    /// the (already encoded) wire path again.
    /// </summary>
    NormalizeAndEncode,

    /// <summary>Amazon S3: the wire path is used as it is, neither normalised nor encoded again.</summary>
    S3,
}
