using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// Google's BigQuery v2 discovery document (shared fixture), used as the oracle for every request the client sends:
/// the HTTP method and path must match one discovery method's path template (or its media-upload path), each query
/// parameter must be declared for that method (or globally) with a value of the declared type, and the JSON body must
/// conform to the method's request schema, recursively: every property declared, not read-only, of the declared JSON
/// type (int64/uint64 as strings, int32/uint32 as numbers).
/// </summary>
public sealed class DiscoveryDocument
{
    private static readonly Lazy<DiscoveryDocument> Shared =
        new(() => new DiscoveryDocument(SharedFixtures.ReadBytes("bigquery", "bigquery-v2-discovery.json")));

    private readonly JsonDocument _document;
    private readonly JsonElement _schemas;
    private readonly JsonElement _globalParameters;
    private readonly List<Method> _methods = [];

    public DiscoveryDocument(byte[] json)
    {
        _document = JsonDocument.Parse(json);
        var root = _document.RootElement;
        ServicePath = "/" + root.GetProperty("servicePath").GetString();
        _schemas = root.GetProperty("schemas");
        _globalParameters = root.GetProperty("parameters");
        Collect(root.GetProperty("resources"));
    }

    public static DiscoveryDocument BigQueryV2 => Shared.Value;

    /// <summary><c>/bigquery/v2/</c>.</summary>
    public string ServicePath { get; }

    public int MethodCount => _methods.Count;

    /// <summary>Checks one request; <see cref="RequestCheck.MethodId"/> is null when no discovery method matches.</summary>
    public RequestCheck Check(string httpMethod, string path, IReadOnlyList<KeyValuePair<string, string>> query, string? contentType, byte[] body)
    {
        var violations = new List<string>();
        var candidates = new List<(Method Method, bool Upload)>();
        foreach (var method in _methods.Where(m => m.HttpMethod.Equals(httpMethod, StringComparison.OrdinalIgnoreCase)))
        {
            if (path.StartsWith(ServicePath, StringComparison.Ordinal) && Matches(method, method.PathRegex, path[ServicePath.Length..]))
                candidates.Add((method, false));
            else if (method.UploadPathRegex is not null && Matches(method, method.UploadPathRegex, path))
                candidates.Add((method, true));
        }
        if (candidates.Count != 1)
        {
            violations.Add(candidates.Count == 0
                ? $"{httpMethod} {path} matches no method of the discovery document"
                : $"{httpMethod} {path} is ambiguous: {string.Join(", ", candidates.Select(c => c.Method.Id))}");
            return new RequestCheck(null, false, violations);
        }
        var (match, upload) = candidates[0];
        CheckQuery(match, query, upload, violations);
        CheckBody(match, upload, contentType, body, violations);
        return new RequestCheck(match.Id, upload, violations);
    }

    /// <summary>Validates a JSON value against a named schema (<c>Job</c>, <c>QueryResponse</c>, …).</summary>
    public List<string> ValidateAgainst(string schemaName, JsonElement value, bool allowReadOnly)
    {
        var violations = new List<string>();
        ValidateValue(value, Ref(schemaName), schemaName, allowReadOnly, violations);
        return violations;
    }

    /// <summary>The response schema name of a method, or null when it answers with no body.</summary>
    public string? ResponseSchemaOf(string methodId) =>
        _methods.Single(m => m.Id == methodId).Definition.TryGetProperty("response", out var r) ? r.GetProperty("$ref").GetString() : null;

    private void Collect(JsonElement resources)
    {
        foreach (var resource in resources.EnumerateObject())
        {
            if (resource.Value.TryGetProperty("methods", out var methods))
            {
                foreach (var m in methods.EnumerateObject())
                {
                    var def = m.Value;
                    Regex? upload = null;
                    if (def.TryGetProperty("mediaUpload", out var media)
                        && media.GetProperty("protocols").TryGetProperty("simple", out var simple))
                        upload = Template(simple.GetProperty("path").GetString()!);
                    _methods.Add(new Method(
                        def.GetProperty("id").GetString()!, def.GetProperty("httpMethod").GetString()!,
                        Template(def.GetProperty("path").GetString()!), upload, def));
                }
            }
            if (resource.Value.TryGetProperty("resources", out var nested)) Collect(nested);
        }
    }

    /// <summary>URI template → regex: <c>{+name}</c> (reserved expansion) may span slashes, <c>{name}</c> may not.</summary>
    private static Regex Template(string template)
    {
        var pattern = new StringBuilder("^");
        var last = 0;
        foreach (Match m in Regex.Matches(template, @"\{(\+?)([A-Za-z0-9_.]+)\}"))
        {
            pattern.Append(Regex.Escape(template[last..m.Index]));
            pattern.Append($"(?<{m.Groups[2].Value.Replace('.', '_')}>{(m.Groups[1].Value == "+" ? ".+?" : "[^/]+")})");
            last = m.Index + m.Length;
        }
        pattern.Append(Regex.Escape(template[last..])).Append('$');
        return new Regex(pattern.ToString(), RegexOptions.CultureInvariant);
    }

    private static bool Matches(Method method, Regex regex, string path)
    {
        var match = regex.Match(path);
        if (!match.Success) return false;
        foreach (var p in method.Parameters.EnumerateObject().Where(p => p.Value.GetProperty("location").GetString() == "path"))
        {
            var group = match.Groups[p.Name.Replace('.', '_')];
            if (!group.Success) return false;
            var value = Uri.UnescapeDataString(group.Value);
            if (p.Value.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(value, pattern.GetString()!)) return false;
        }
        return true;
    }

    private void CheckQuery(Method method, IReadOnlyList<KeyValuePair<string, string>> query, bool upload, List<string> violations)
    {
        foreach (var (name, value) in query)
        {
            JsonElement declared;
            if (method.Parameters.TryGetProperty(name, out var local) && local.GetProperty("location").GetString() == "query") declared = local;
            else if (_globalParameters.TryGetProperty(name, out var global)) declared = global;
            else
            {
                violations.Add($"{method.Id}: query parameter '{name}' is not declared");
                continue;
            }
            var problem = CheckScalar(declared, value);
            if (problem is not null) violations.Add($"{method.Id}: query parameter '{name}'='{value}' {problem}");
        }
        foreach (var p in method.Parameters.EnumerateObject())
        {
            if (p.Value.GetProperty("location").GetString() == "query" && p.Value.TryGetProperty("required", out var req) && req.GetBoolean()
                && query.All(q => q.Key != p.Name))
                violations.Add($"{method.Id}: required query parameter '{p.Name}' is missing");
        }
        var uploadType = query.Where(q => q.Key == "uploadType").Select(q => q.Value).FirstOrDefault();
        if (upload && uploadType is not ("multipart" or "media"))
            violations.Add($"{method.Id}: an upload needs uploadType=multipart or media, got '{uploadType}'");
        if (!upload && uploadType is not null)
            violations.Add($"{method.Id}: uploadType is only meaningful on the upload path");
    }

    private void CheckBody(Method method, bool upload, string? contentType, byte[] body, List<string> violations)
    {
        var requestRef = method.Definition.TryGetProperty("request", out var r) ? r.GetProperty("$ref").GetString() : null;
        if (requestRef is null)
        {
            if (body.Length > 0) violations.Add($"{method.Id}: takes no request body but {body.Length} bytes were sent");
            return;
        }
        byte[] json;
        if (upload)
        {
            var parts = MultipartRelated.Parse(contentType, body, out var error);
            if (parts is null)
            {
                violations.Add($"{method.Id}: upload body is not multipart/related: {error}");
                return;
            }
            if (parts.Count != 2)
            {
                violations.Add($"{method.Id}: a multipart upload has exactly two parts (metadata, media), got {parts.Count}");
                return;
            }
            if (!IsJson(parts[0].ContentType))
                violations.Add($"{method.Id}: the first part must be application/json, got '{parts[0].ContentType}'");
            json = parts[0].Body;
        }
        else
        {
            if (!IsJson(contentType)) violations.Add($"{method.Id}: Content-Type must be application/json, got '{contentType}'");
            json = body;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) violations.Add($"{method.Id}: request body is not a JSON object");
            else ValidateValue(doc.RootElement, Ref(requestRef), requestRef, allowReadOnly: false, violations);
        }
        catch (JsonException ex)
        {
            violations.Add($"{method.Id}: request body is not JSON: {ex.Message}");
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType == "application/json";

    private JsonElement Ref(string name) =>
        _schemas.TryGetProperty(name, out var schema) ? schema : throw new KeyNotFoundException($"No schema '{name}' in the discovery document.");

    private void ValidateValue(JsonElement value, JsonElement schema, string at, bool allowReadOnly, List<string> violations)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            ValidateValue(value, Ref(reference.GetString()!), at, allowReadOnly, violations);
            return;
        }
        var type = schema.TryGetProperty("type", out var t) ? t.GetString() : "any";
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (type != "any") violations.Add($"{at}: null where {type} was expected (omit the field instead)");
            return;
        }
        switch (type)
        {
            case "any":
                return;
            case "object":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    violations.Add($"{at}: expected an object, got {value.ValueKind}");
                    return;
                }
                var hasProperties = schema.TryGetProperty("properties", out var properties);
                var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
                foreach (var property in value.EnumerateObject())
                {
                    var path = $"{at}.{property.Name}";
                    if (hasProperties && properties.TryGetProperty(property.Name, out var declared))
                    {
                        if (!allowReadOnly && declared.TryGetProperty("readOnly", out var ro) && ro.GetBoolean())
                            violations.Add($"{path}: is read-only and must not be sent");
                        ValidateValue(property.Value, declared, path, allowReadOnly, violations);
                    }
                    else if (hasAdditional)
                        ValidateValue(property.Value, additional, path, allowReadOnly, violations);
                    else if (hasProperties)
                        violations.Add($"{path}: is not a property of this schema");
                }
                return;
            case "array":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    violations.Add($"{at}: expected an array, got {value.ValueKind}");
                    return;
                }
                var items = schema.GetProperty("items");
                var i = 0;
                foreach (var item in value.EnumerateArray()) ValidateValue(item, items, $"{at}[{i++}]", allowReadOnly, violations);
                return;
            case "string":
                if (value.ValueKind != JsonValueKind.String)
                {
                    violations.Add($"{at}: expected a JSON string{FormatNote(schema)}, got {value.ValueKind} {value.GetRawText()}");
                    return;
                }
                var problem = CheckScalar(schema, value.GetString()!);
                if (problem is not null) violations.Add($"{at}: '{value.GetString()}' {problem}");
                return;
            case "integer":
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
                {
                    violations.Add($"{at}: expected a JSON integer, got {value.ValueKind} {value.GetRawText()}");
                    return;
                }
                if (schema.TryGetProperty("format", out var f) && f.GetString() is "uint32" && number is < 0 or > uint.MaxValue)
                    violations.Add($"{at}: {number} is out of uint32 range");
                if (schema.TryGetProperty("format", out f) && f.GetString() is "int32" && number is < int.MinValue or > int.MaxValue)
                    violations.Add($"{at}: {number} is out of int32 range");
                return;
            case "number":
                if (value.ValueKind != JsonValueKind.Number) violations.Add($"{at}: expected a JSON number, got {value.ValueKind}");
                return;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    violations.Add($"{at}: expected a JSON boolean, got {value.ValueKind} {value.GetRawText()}");
                return;
            default:
                violations.Add($"{at}: the discovery type '{type}' is not handled by this validator");
                return;
        }
    }

    private static string FormatNote(JsonElement schema) =>
        schema.TryGetProperty("format", out var f) ? $" ({f.GetString()})" : "";

    /// <summary>Checks a string-encoded value (query parameter or string property) against type, format and enum.</summary>
    private static string? CheckScalar(JsonElement declared, string value)
    {
        var type = declared.TryGetProperty("type", out var t) ? t.GetString() : "string";
        var format = declared.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (declared.TryGetProperty("enum", out var options) && options.EnumerateArray().All(o => o.GetString() != value))
            return "is not one of the declared enum values";
        return (type, format) switch
        {
            ("boolean", _) when value is not ("true" or "false") => "is not a boolean",
            ("integer", "uint32") when !uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) => "is not a uint32",
            ("integer", _) when !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) => "is not an integer",
            ("string", "int64") when !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) => "is not an int64",
            ("string", "uint64") when !ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) => "is not a uint64",
            _ => null,
        };
    }

    private sealed record Method(string Id, string HttpMethod, Regex PathRegex, Regex? UploadPathRegex, JsonElement Definition)
    {
        public JsonElement Parameters => Definition.TryGetProperty("parameters", out var p) ? p : EmptyObject;
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;
}

/// <summary>The outcome of <see cref="DiscoveryDocument.Check"/>.</summary>
public sealed record RequestCheck(string? MethodId, bool IsUpload, IReadOnlyList<string> Violations);

/// <summary>A minimal multipart/related reader (RFC 2387) for checking uploads.</summary>
public static class MultipartRelated
{
    public sealed record Part(string? ContentType, byte[] Body);

    public static List<Part>? Parse(string? contentType, byte[] body, out string? error)
    {
        error = null;
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var type) || type.MediaType != "multipart/related")
        {
            error = $"Content-Type is '{contentType}'";
            return null;
        }
        var boundary = type.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        if (string.IsNullOrEmpty(boundary))
        {
            error = "no boundary parameter";
            return null;
        }
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var span = body.AsSpan();
        var parts = new List<Part>();
        var start = span.IndexOf(delimiter);
        if (start < 0)
        {
            error = "the boundary never occurs";
            return null;
        }
        var position = start + delimiter.Length;
        while (true)
        {
            if (span[position..].StartsWith("--"u8)) return parts; // close delimiter
            if (!span[position..].StartsWith("\r\n"u8))
            {
                error = "a boundary line is not followed by CRLF";
                return null;
            }
            position += 2;
            var next = span[position..].IndexOf(delimiter);
            if (next < 0)
            {
                error = "the closing boundary is missing";
                return null;
            }
            var raw = span.Slice(position, next);
            if (raw.EndsWith("\r\n"u8)) raw = raw[..^2];
            var headerEnd = raw.IndexOf("\r\n\r\n"u8);
            string? partType = null;
            byte[] partBody;
            if (headerEnd < 0 && raw.StartsWith("\r\n"u8)) partBody = raw[2..].ToArray();
            else if (headerEnd < 0)
            {
                error = "a part has no blank line after its headers";
                return null;
            }
            else
            {
                foreach (var line in Encoding.ASCII.GetString(raw[..headerEnd]).Split("\r\n"))
                {
                    var colon = line.IndexOf(':');
                    if (colon > 0 && line[..colon].Trim().Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                        partType = line[(colon + 1)..].Trim();
                }
                partBody = raw[(headerEnd + 4)..].ToArray();
            }
            parts.Add(new Part(partType, partBody));
            position += next + delimiter.Length;
        }
    }
}
