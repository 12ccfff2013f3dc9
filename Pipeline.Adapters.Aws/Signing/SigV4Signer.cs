using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Adapters.Aws.Signing;

/// <summary>
/// AWS Signature Version 4 (header-based, <c>AWS4-HMAC-SHA256</c>). Proven byte for byte against AWS's SigV4 test
/// suite (canonical request, string to sign, Authorization header).
/// </summary>
public sealed class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string DateHeader = "X-Amz-Date";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";
    public const string AuthorizationHeader = "Authorization";

    /// <summary>Headers never signed when signing an <see cref="HttpRequestMessage"/>: proxies and handlers may change them.</summary>
    private static readonly HashSet<string> UnsignedHttpHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect", "Connection", "Keep-Alive", "Transfer-Encoding",
        "TE", "Upgrade", "Proxy-Authorization", "Proxy-Connection", "Content-Length",
    };

    /// <summary>Signs a request described by its parts.</summary>
    public SigV4Signature Sign(SigV4Request request, AwsCredentials credentials, SigV4SigningParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Region);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Service);

        var utc = parameters.Timestamp.UtcDateTime;
        var amzDate = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var scope = $"{date}/{parameters.Region}/{parameters.Service}/aws4_request";

        var headers = new List<KeyValuePair<string, string>>(request.Headers);
        SetHeader(headers, DateHeader, amzDate);
        var signToken = credentials.SessionToken is not null && parameters.SessionTokenPlacement == SigV4SessionTokenPlacement.Signed;
        if (signToken) SetHeader(headers, SecurityTokenHeader, credentials.SessionToken!);
        if (!headers.Exists(h => h.Key.Trim().Equals("host", StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException("SigV4 needs a Host header.", nameof(request));

        var (canonicalHeaders, signedHeaders) = CanonicalHeaders(headers);
        var canonicalRequest = string.Join('\n',
            request.Method.ToUpperInvariant(),
            CanonicalUri(request.Path, parameters.PathMode),
            CanonicalQuery(request.Query),
            canonicalHeaders,
            signedHeaders,
            HexSha256(request.Payload.Span));

        var stringToSign = string.Join('\n', Algorithm, amzDate, scope, HexSha256(Encoding.UTF8.GetBytes(canonicalRequest)));

        var key = SigningKey(credentials.SecretAccessKey, date, parameters.Region, parameters.Service);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        var authorization = $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";

        if (credentials.SessionToken is not null && !signToken) SetHeader(headers, SecurityTokenHeader, credentials.SessionToken);
        headers.RemoveAll(h => h.Key.Trim().Equals(AuthorizationHeader, StringComparison.OrdinalIgnoreCase));
        headers.Add(new(AuthorizationHeader, authorization));

        return new SigV4Signature(canonicalRequest, stringToSign, signature, signedHeaders, authorization, headers);
    }

    /// <summary>
    /// Signs an <see cref="HttpRequestMessage"/> in place: sets <c>Host</c> (when missing), <c>X-Amz-Date</c>,
    /// <c>X-Amz-Security-Token</c> and <c>Authorization</c>. Signs Host, Content-Type and every request header except
    /// hop-by-hop ones and User-Agent. <paramref name="payload"/> must be exactly the bytes of the request content.
    /// </summary>
    public SigV4Signature Sign(
        HttpRequestMessage message, ReadOnlyMemory<byte> payload, AwsCredentials credentials, SigV4SigningParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(message);
        var uri = message.RequestUri ?? throw new ArgumentException("The request has no RequestUri.", nameof(message));
        if (!uri.IsAbsoluteUri) throw new ArgumentException("The request URI must be absolute.", nameof(message));

        message.Headers.Host ??= uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        message.Headers.Remove(DateHeader);
        message.Headers.Remove(SecurityTokenHeader);
        message.Headers.Authorization = null;

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in message.Headers.NonValidated)
        {
            if (UnsignedHttpHeaders.Contains(name)) continue;
            foreach (var value in values) headers.Add(new(name, value));
        }
        if (message.Content?.Headers.ContentType is { } contentType) headers.Add(new("Content-Type", contentType.ToString()));

        var signature = Sign(
            new SigV4Request
            {
                Method = message.Method.Method,
                Path = uri.AbsolutePath,
                Query = uri.Query.StartsWith('?') ? uri.Query[1..] : uri.Query,
                Headers = headers,
                Payload = payload,
            },
            credentials,
            parameters);

        foreach (var (name, value) in signature.Headers)
        {
            if (name.Equals(DateHeader, StringComparison.OrdinalIgnoreCase)
                || name.Equals(SecurityTokenHeader, StringComparison.OrdinalIgnoreCase))
                message.Headers.TryAddWithoutValidation(name, value);
        }
        message.Headers.Authorization = new AuthenticationHeaderValue(Algorithm, signature.Authorization[(Algorithm.Length + 1)..]);
        return signature;
    }

    internal static string CanonicalUri(string path, SigV4PathMode mode)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        if (mode == SigV4PathMode.S3) return path.StartsWith('/') ? path : "/" + path;

        var kept = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (kept.Count > 0) kept.RemoveAt(kept.Count - 1);
                continue;
            }
            kept.Add(segment);
        }
        var builder = new StringBuilder("/");
        for (var i = 0; i < kept.Count; i++)
        {
            if (i > 0) builder.Append('/');
            AppendEncoded(builder, kept[i]);
        }
        if (kept.Count > 0 && path.EndsWith('/')) builder.Append('/');
        return builder.ToString();
    }

    internal static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query)) return "";
        var pairs = new List<(string Key, string Value)>();
        foreach (var part in query.Split('&'))
        {
            if (part.Length == 0) continue;
            var eq = part.IndexOf('=');
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            pairs.Add((Encode(Uri.UnescapeDataString(key)), Encode(Uri.UnescapeDataString(value))));
        }
        pairs.Sort(static (a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(static p => p.Key + "=" + p.Value));
    }

    private static (string Canonical, string Signed) CanonicalHeaders(List<KeyValuePair<string, string>> headers)
    {
        var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            if (!byName.TryGetValue(key, out var values)) byName[key] = values = [];
            values.Add(CanonicalHeaderValue(value));
        }
        var canonical = new StringBuilder();
        foreach (var (name, values) in byName)
            canonical.Append(name).Append(':').AppendJoin(',', values).Append('\n');
        return (canonical.ToString(), string.Join(';', byName.Keys));
    }

    /// <summary>Trims the value and collapses every run of whitespace (including folded lines) to one space.</summary>
    private static string CanonicalHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    private static void SetHeader(List<KeyValuePair<string, string>> headers, string name, string value)
    {
        var first = headers.FindIndex(h => h.Key.Trim().Equals(name, StringComparison.OrdinalIgnoreCase));
        if (first < 0)
        {
            headers.Add(new(name, value));
            return;
        }
        headers[first] = new(headers[first].Key, value);
        for (var i = headers.Count - 1; i > first; i--)
        {
            if (headers[i].Key.Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) headers.RemoveAt(i);
        }
    }

    /// <summary>RFC 3986 percent-encoding of the UTF-8 bytes; only unreserved characters stay as they are.</summary>
    internal static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length);
        AppendEncoded(builder, value);
        return builder.ToString();
    }

    private static void AppendEncoded(StringBuilder builder, string value)
    {
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                builder.Append((char)b);
            else
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
    }

    private static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    private static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
