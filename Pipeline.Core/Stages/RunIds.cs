namespace Pipeline.Core.Stages;

/// <summary>Run ids sort by time and are unique: yyyyMMddTHHmmssZ-xxxxxxxx.</summary>
public static class RunIds
{
    public static string New(DateTimeOffset now, string prefix = "") =>
        $"{prefix}{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4))}";

    /// <summary>Ids go into S3 keys and URLs: letters, digits, '-', '_', 'T', 'Z' only.</summary>
    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
