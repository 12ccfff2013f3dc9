namespace Pipeline.Core.Domain;

/// <summary>Error messages as the run and refresh records keep them.</summary>
public static class ErrorMessage
{
    /// <summary>The first line of <paramref name="message"/>, trimmed (drivers append hints and stack-like detail below it).</summary>
    public static string FirstLine(string message)
    {
        var line = message.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).ToString();
    }
}
