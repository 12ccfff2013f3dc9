namespace Pipeline.Adapters.Local;

/// <summary>Where the folder raw zone keeps an object's metadata.</summary>
public enum RawMetadataPlacement
{
    /// <summary>
    /// In the object file's extended attribute <c>user.pipeline.metadata</c> where the OS and file system take one
    /// (Linux: ext4, xfs, btrfs, tmpfs…), else in a <c>&lt;key&gt;.meta.json</c> file beside the object.
    /// </summary>
    Auto,

    /// <summary>Always written to a <c>&lt;key&gt;.meta.json</c> file beside the object (reads take either place).</summary>
    Sidecar,
}
