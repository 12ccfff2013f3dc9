using System.Globalization;

namespace Pipeline.Core.Stages;

/// <summary>Run ids sort by time and are unique: yyyyMMddTHHmmssZ-xxxxxxxx.</summary>
public static class RunIds
{
    public static string New(DateTimeOffset now, string prefix = "") =>
        $"{prefix}{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4))}";

    /// <summary>The creation time an id begins with (to the second); false for an id made otherwise.</summary>
    public static bool TryGetCreatedAt(string id, out DateTimeOffset createdAt)
    {
        createdAt = default;
        if (id.Length < 16 || !DateTime.TryParseExact(id.AsSpan(0, 16), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)) return false;
        createdAt = new DateTimeOffset(at, TimeSpan.Zero);
        return true;
    }

    /// <summary>Ids go into S3 keys and URLs: letters, digits, '-', '_', 'T', 'Z' only.</summary>
    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
