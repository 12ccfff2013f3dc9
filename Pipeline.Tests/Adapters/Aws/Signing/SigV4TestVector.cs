using System.Text;
using Pipeline.Adapters.Aws.Signing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Aws.Signing;

/// <summary>
/// One case of AWS's SigV4 test suite (shared/fixtures/sigv4/&lt;case&gt;/&lt;case&gt;.{req,creq,sts,authz,sreq}),
/// parsed from the raw HTTP request text.
/// </summary>
internal sealed class SigV4TestVector
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";
    public const string Service = "service";
    public static readonly DateTimeOffset Timestamp = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    private SigV4TestVector(string name, string directory)
    {
        Name = name;
        Directory = directory;
    }

    /// <summary>Path of the case relative to the suite root, with '/' (e.g. <c>post-sts-token/post-sts-header-after</c>).</summary>
    public string Name { get; }

    public string Directory { get; }

    public static string Root => SharedFixtures.PathOf("sigv4");

    /// <summary>Every case folder under the suite root (a folder holding <c>&lt;folder&gt;.req</c>), nested ones included.</summary>
    public static IReadOnlyList<string> DiscoverNames() =>
        System.IO.Directory.EnumerateFiles(Root, "*.req", SearchOption.AllDirectories)
            .Where(f => Path.GetFileNameWithoutExtension(f) == Path.GetFileName(Path.GetDirectoryName(f)))
            .Select(f => Path.GetRelativePath(Root, Path.GetDirectoryName(f)!).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static SigV4TestVector Load(string name) =>
        new(name, Path.Combine([Root, .. name.Split('/')]));

    public byte[] ReadBytes(string extension) => File.ReadAllBytes(FileOf(extension));

    public string ReadText(string extension) => Encoding.UTF8.GetString(ReadBytes(extension));

    private string FileOf(string extension) => Path.Combine(Directory, Path.GetFileName(Directory) + "." + extension);

    /// <summary>The raw request (.req) as signer input.</summary>
    public SigV4Request ParseRequest()
    {
        var raw = ParseRawHttp(ReadText("req"));
        var pathAndQuery = raw.Target;
        var q = pathAndQuery.IndexOf('?');
        return new SigV4Request
        {
            Method = raw.Method,
            Path = q < 0 ? pathAndQuery : pathAndQuery[..q],
            Query = q < 0 ? "" : pathAndQuery[(q + 1)..],
            Headers = raw.Headers,
            Payload = raw.Body,
        };
    }

    /// <summary>The signed request (.sreq) as header list and body.</summary>
    public RawHttp ParseSignedRequest() => ParseRawHttp(ReadText("sreq"));

    /// <summary>
    /// Credentials and signing parameters of this case. The session token of <c>post-sts-token/*</c> comes from that
    /// group's readme.txt (<c>-after</c>: header added after signing); other cases whose canonical request signs an
    /// <c>x-amz-security-token</c> the raw request lacks take it from there (as botocore's harness does).
    /// </summary>
    public (AwsCredentials Credentials, SigV4SigningParameters Parameters) SigningInputs()
    {
        string? token = null;
        var placement = SigV4SessionTokenPlacement.Signed;
        if (Name.StartsWith("post-sts-token/", StringComparison.Ordinal))
        {
            token = File.ReadAllLines(Path.Combine(Root, "post-sts-token", "readme.txt"))
                .Last(l => !string.IsNullOrWhiteSpace(l)).Trim();
            if (Name.EndsWith("-after", StringComparison.Ordinal)) placement = SigV4SessionTokenPlacement.AddedAfterSigning;
        }
        else
        {
            const string prefix = "x-amz-security-token:";
            var line = ReadText("creq").Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null) token = line[prefix.Length..];
        }
        var parameters = new SigV4SigningParameters
        {
            Region = Region,
            Service = Service,
            Timestamp = Timestamp,
            PathMode = SigV4PathMode.NormalizeAndEncode,
            SessionTokenPlacement = placement,
        };
        return (new AwsCredentials(AccessKey, SecretKey, token), parameters);
    }

    public override string ToString() => Name;

    internal sealed record RawHttp(string Method, string Target, List<KeyValuePair<string, string>> Headers, byte[] Body);

    /// <summary>
    /// Parses "METHOD target HTTP/1.1", header lines "Name:value" (a line starting with whitespace continues the
    /// previous value, obs-fold), an empty line, then the body. The target may contain spaces (normalize-path/get-space).
    /// </summary>
    internal static RawHttp ParseRawHttp(string text)
    {
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text.TrimEnd('\n') : text[..split];
        var body = split < 0 ? [] : Encoding.UTF8.GetBytes(text[(split + 2)..]);
        var lines = head.Split('\n');

        var requestLine = lines[0];
        var firstSpace = requestLine.IndexOf(' ');
        var lastSpace = requestLine.LastIndexOf(' ');
        if (firstSpace < 0 || lastSpace <= firstSpace || !requestLine[(lastSpace + 1)..].StartsWith("HTTP/", StringComparison.Ordinal))
            throw new FormatException("Not a request line: " + requestLine);

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + "\n" + line);
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new FormatException("Not a header line: " + line);
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }
        return new RawHttp(requestLine[..firstSpace], requestLine[(firstSpace + 1)..lastSpace], headers, body);
    }
}
