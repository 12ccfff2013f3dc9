using System.Text.Json;

namespace Pipeline.Core.Stages;

/// <summary>
/// Validates the body of a start-ingestion request (<c>POST /api/ingestions</c> on the Web host, <c>POST /ingestions</c>
/// on the HTTP API in front of the trigger Lambda): <c>source</c> required, at most 32 options, each a string of at
/// most 256 characters, a number or a boolean. The source name and option values are checked later by the source itself
/// (<see cref="TriggerHandler.CreateRunAsync"/> throws <see cref="Sources.InvalidOptionException"/> naming the field).
/// </summary>
public static class StartIngestionBodyValidator
{
    public const int MaxOptions = 32;
    public const int MaxOptionLength = 256;

    /// <summary>The error for a missing (empty or <c>null</c>) body.</summary>
    public static readonly FieldError MissingBody = new("body", "A JSON body {\"source\":…,\"options\":{…}} is required.");

    public static StartIngestionValidation Validate(string? source, IReadOnlyDictionary<string, JsonElement>? options, string trigger = "api")
    {
        if (string.IsNullOrWhiteSpace(source))
            return Invalid("source", "'source' is required: dummyjson, fakestore or synthetic.");
        if (source.Length > 64)
            return Invalid("source", "'source' must be at most 64 characters.");
        if (options is { Count: > MaxOptions })
            return Invalid("options", $"At most {MaxOptions} options are accepted.");
        var values = new Dictionary<string, string>();
        foreach (var (name, value) in options ?? new Dictionary<string, JsonElement>())
        {
            if (name.Length is 0 or > 64 || !name.All(char.IsAsciiLetterOrDigit))
                return Invalid("options", "Option names are 1 to 64 letters or digits.");
            switch (value.ValueKind)
            {
                case JsonValueKind.String when value.GetString()!.Length <= MaxOptionLength:
                    values[name] = value.GetString()!;
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    values[name] = value.GetRawText();
                    break;
                default:
                    return Invalid($"options.{name}", $"Option '{name}' must be a string (≤ {MaxOptionLength} chars), a number or a boolean.");
            }
        }
        return new StartIngestionValidation(new StartIngestionRequest(source.Trim().ToLowerInvariant(), values, trigger), null);
    }

    private static StartIngestionValidation Invalid(string field, string message) => new(null, new FieldError(field, message));
}
