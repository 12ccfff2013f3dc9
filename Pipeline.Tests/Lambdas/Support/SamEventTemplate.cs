using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lambdas.Support;

/// <summary>
/// Renders AWS SAM CLI's sample-event templates (shared/fixtures/lambda-events/sam-cli-templates) as
/// <c>sam local generate-event</c> does: each <c>{{{tag}}}</c> gets the given value or the default from
/// event-mapping.json, encoded as the mapping says (base64; url = Python's <c>urllib.parse.quote</c>, '/' kept).
/// </summary>
public static class SamEventTemplate
{
    private static readonly Lazy<JsonNode> Mapping = new(() =>
        JsonNode.Parse(SharedFixtures.ReadBytes("lambda-events", "sam-cli-templates", "event-mapping.json"))!);

    public static JsonNode Render(string service, string eventType, IReadOnlyDictionary<string, string>? values = null)
    {
        var definition = Mapping.Value[service]?[eventType] ?? throw new ArgumentException($"No SAM event {service} {eventType}.");
        var file = definition["filename"]!.GetValue<string>() + ".json";
        var text = SharedFixtures.ReadText("lambda-events", "sam-cli-templates", file);
        foreach (var (tag, spec) in definition["tags"]!.AsObject())
        {
            var value = values is not null && values.TryGetValue(tag, out var given) ? given : spec?["default"]?.GetValue<string>() ?? "";
            value = spec?["encoding"]?.GetValue<string>() switch
            {
                "base64" => Convert.ToBase64String(Encoding.UTF8.GetBytes(value)),
                "url" => Quote(value),
                _ => value,
            };
            text = text.Replace("{{{" + tag.Replace('-', '_') + "}}}", value, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("{{{", text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Python's <c>urllib.parse.quote(value)</c>: letters, digits, <c>_.-~</c> and '/' kept, the rest %XX of UTF-8.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '~' or '/') builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}
