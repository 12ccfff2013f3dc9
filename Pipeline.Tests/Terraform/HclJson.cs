using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Terraform;

/// <summary>Small readers for the JSON shape that @cdktf/hcl2json gives HCL (nested blocks as arrays, expressions as "${…}").</summary>
public static partial class HclJson
{
    /// <summary>The nested blocks called <paramref name="name"/> inside <paramref name="body"/>.</summary>
    public static IReadOnlyList<JsonElement> Blocks(JsonElement body, string name)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(name, out var value)) return [];
        return value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [value];
    }

    /// <summary>The first nested block called <paramref name="name"/>, or null.</summary>
    public static JsonElement? Block(JsonElement body, string name) => Blocks(body, name) is [var first, ..] ? first : null;

    /// <summary>The property's value, or null.</summary>
    public static JsonElement? Property(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) ? value : null;

    /// <summary>A string or list-of-strings attribute as a list (a lone string becomes a one-item list).</summary>
    public static IReadOnlyList<string> Strings(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } s => [s.GetString()!],
        { ValueKind: JsonValueKind.Array } a => [.. a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)],
        _ => [],
    };

    /// <summary>Every string value anywhere below <paramref name="element"/> (property names excluded).</summary>
    public static IEnumerable<string> AllStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return element.GetString()!;
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    foreach (var s in AllStrings(item)) yield return s;
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    foreach (var s in AllStrings(property.Value)) yield return s;
                break;
        }
    }

    /// <summary>The names of the input variables an expression refers to (<c>var.NAME</c>).</summary>
    public static IEnumerable<string> VariableReferences(string expression) =>
        VariableReference().Matches(expression).Select(m => m.Groups["name"].Value);

    /// <summary>
    /// When <paramref name="expression"/> is exactly one variable reference such as <c>${var.x}</c> or <c>${var.x.y}</c>,
    /// its name and attribute path.
    /// </summary>
    public static (string Name, string[] Path)? AsVariableReference(string expression)
    {
        var match = WholeVariableReference().Match(expression);
        if (!match.Success) return null;
        var path = match.Groups["path"].Value.Split('.', StringSplitOptions.RemoveEmptyEntries);
        return (match.Groups["name"].Value, path);
    }

    /// <summary>True when the string is a pure reference to a data source's JSON, <c>${data.aws_iam_policy_document.NAME.json}</c>.</summary>
    public static string? AsPolicyDocumentReference(string expression)
    {
        var match = PolicyDocumentReference().Match(expression);
        return match.Success ? match.Groups["name"].Value : null;
    }

    [GeneratedRegex(@"(?<![\w.])var\.(?<name>[A-Za-z_][A-Za-z0-9_-]*)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^\$\{var\.(?<name>[A-Za-z_][A-Za-z0-9_-]*)(?<path>(\.[A-Za-z_][A-Za-z0-9_-]*)*)\}$")]
    private static partial Regex WholeVariableReference();

    [GeneratedRegex(@"^\$\{data\.aws_iam_policy_document\.(?<name>[A-Za-z_][A-Za-z0-9_-]*)\.json\}$")]
    private static partial Regex PolicyDocumentReference();
}
