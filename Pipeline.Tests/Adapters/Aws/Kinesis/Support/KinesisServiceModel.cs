using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Aws.Kinesis.Support;

/// <summary>
/// The Kinesis service model (shared/fixtures/kinesis/service-2.json) as a request validator: the operation exists,
/// every member sent exists in the input shape with the right JSON type and within min/max/pattern/enum, and every
/// required member is present.
/// </summary>
internal sealed class KinesisServiceModel
{
    private static readonly Lazy<KinesisServiceModel> Shared = new(() => new KinesisServiceModel(
        JsonDocument.Parse(File.ReadAllBytes(SharedFixtures.PathOf("kinesis", "service-2.json")))));

    private readonly JsonElement _operations;
    private readonly JsonElement _shapes;

    private KinesisServiceModel(JsonDocument document)
    {
        var root = document.RootElement;
        _operations = root.GetProperty("operations");
        _shapes = root.GetProperty("shapes");
        TargetPrefix = root.GetProperty("metadata").GetProperty("targetPrefix").GetString()!;
        JsonVersion = root.GetProperty("metadata").GetProperty("jsonVersion").GetString()!;
        SigningName = root.GetProperty("metadata").GetProperty("endpointPrefix").GetString()!;
    }

    public static KinesisServiceModel Instance => Shared.Value;

    public string TargetPrefix { get; }

    public string JsonVersion { get; }

    public string SigningName { get; }

    public bool HasOperation(string operation) => _operations.TryGetProperty(operation, out _);

    /// <summary>Problems of a request body for <paramref name="operation"/>; empty when it conforms.</summary>
    public IReadOnlyList<string> Validate(string operation, ReadOnlySpan<byte> body)
    {
        var problems = new List<string>();
        if (!_operations.TryGetProperty(operation, out var op))
        {
            problems.Add($"operation {operation} is not in the service model");
            return problems;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            problems.Add($"{operation}: body is not JSON ({ex.Message})");
            return problems;
        }
        using (document)
        {
            var input = op.GetProperty("input").GetProperty("shape").GetString()!;
            Check(input, document.RootElement, operation, problems);
        }
        return problems;
    }

    private void Check(string shapeName, JsonElement value, string path, List<string> problems)
    {
        var shape = _shapes.GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString();
        switch (type)
        {
            case "structure":
                if (!Expect(value, JsonValueKind.Object, shapeName, path, problems)) return;
                var members = shape.GetProperty("members");
                foreach (var property in value.EnumerateObject())
                {
                    if (!members.TryGetProperty(property.Name, out var member))
                    {
                        problems.Add($"{path}.{property.Name}: no such member in {shapeName}");
                        continue;
                    }
                    Check(member.GetProperty("shape").GetString()!, property.Value, path + "." + property.Name, problems);
                }
                if (shape.TryGetProperty("required", out var required))
                {
                    foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                    {
                        if (!value.TryGetProperty(name, out _)) problems.Add($"{path}: required member {name} of {shapeName} is missing");
                    }
                }
                break;
            case "list":
                if (!Expect(value, JsonValueKind.Array, shapeName, path, problems)) return;
                CheckRange(value.GetArrayLength(), shape, shapeName, path, "length", problems);
                var item = shape.GetProperty("member").GetProperty("shape").GetString()!;
                var index = 0;
                foreach (var element in value.EnumerateArray()) Check(item, element, $"{path}[{index++}]", problems);
                break;
            case "map":
                if (!Expect(value, JsonValueKind.Object, shapeName, path, problems)) return;
                var valueShape = shape.GetProperty("value").GetProperty("shape").GetString()!;
                foreach (var property in value.EnumerateObject()) Check(valueShape, property.Value, path + "." + property.Name, problems);
                break;
            case "string":
                if (!Expect(value, JsonValueKind.String, shapeName, path, problems)) return;
                var text = value.GetString()!;
                CheckRange(text.Length, shape, shapeName, path, "length", problems);
                if (shape.TryGetProperty("enum", out var values) && values.EnumerateArray().All(v => v.GetString() != text))
                    problems.Add($"{path}: '{text}' is not one of the {shapeName} values");
                if (shape.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, "^(?:" + pattern.GetString() + ")$"))
                    problems.Add($"{path}: '{text}' does not match the {shapeName} pattern {pattern.GetString()}");
                break;
            case "integer" or "long":
                if (!Expect(value, JsonValueKind.Number, shapeName, path, problems)) return;
                if (!value.TryGetInt64(out var number)) problems.Add($"{path}: {value.GetRawText()} is not an integer ({shapeName})");
                else CheckRange(number, shape, shapeName, path, "value", problems);
                break;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) problems.Add($"{path}: {shapeName} must be a JSON boolean");
                break;
            case "blob":
                if (!Expect(value, JsonValueKind.String, shapeName, path, problems)) return;
                var base64 = value.GetString()!;
                var buffer = new byte[base64.Length];
                if (!Convert.TryFromBase64String(base64, buffer, out var decoded)) problems.Add($"{path}: {shapeName} is not base64");
                else CheckRange(decoded, shape, shapeName, path, "size", problems);
                break;
            case "timestamp" or "double" or "float":
                Expect(value, JsonValueKind.Number, shapeName, path, problems);
                break;
            default:
                problems.Add($"{path}: shape type {type} of {shapeName} not handled by the validator");
                break;
        }
    }

    private static bool Expect(JsonElement value, JsonValueKind kind, string shapeName, string path, List<string> problems)
    {
        if (value.ValueKind == kind) return true;
        problems.Add($"{path}: {shapeName} must be a JSON {kind}, got {value.ValueKind}");
        return false;
    }

    private static void CheckRange(long actual, JsonElement shape, string shapeName, string path, string what, List<string> problems)
    {
        if (shape.TryGetProperty("min", out var min) && actual < min.GetInt64())
            problems.Add($"{path}: {what} {actual} is below the {shapeName} minimum {min.GetInt64()}");
        if (shape.TryGetProperty("max", out var max) && actual > max.GetInt64())
            problems.Add($"{path}: {what} {actual} is above the {shapeName} maximum {max.GetInt64()}");
    }
}
