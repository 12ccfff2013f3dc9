namespace Pipeline.Adapters.Aws.Signing;

/// <summary>
/// The parts of an HTTP request that Signature Version 4 covers. Independent of <see cref="HttpRequestMessage"/> so
/// that the signer can be proven against AWS's raw test vectors.
/// </summary>
public sealed class SigV4Request
{
    /// <summary>HTTP method, e.g. <c>POST</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The URI path as sent on the wire (already percent-encoded once), e.g. <c>/</c>.</summary>
    public string Path { get; init; } = "/";

    /// <summary>The query string as sent on the wire, without the leading <c>?</c>; empty when there is none.</summary>
    public string Query { get; init; } = "";

    /// <summary>
    /// Headers in the order they are sent; a name may repeat. Every header listed here is signed, so leave out
    /// headers that a proxy may change (User-Agent, Connection, …). <c>Host</c> must be present.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The request body (empty for none).</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }
}

/// <summary>How the URI path becomes the canonical URI.</summary>
public enum SigV4PathMode
{
    /// <summary>
    /// Every service except S3: remove empty, <c>.</c> and <c>..</c> segments, then percent-encode each segment of
    /// the (already encoded) wire path again.
    /// </summary>
    NormalizeAndEncode,

    /// <summary>Amazon S3: the wire path is used as it is, neither normalised nor encoded again.</summary>
    S3,
}

/// <summary>Where the session token of temporary credentials goes.</summary>
public enum SigV4SessionTokenPlacement
{
    /// <summary><c>X-Amz-Security-Token</c> is added before signing and is one of the signed headers (most services).</summary>
    Signed,

    /// <summary><c>X-Amz-Security-Token</c> is added after the signature is computed and is not signed.</summary>
    AddedAfterSigning,
}

/// <summary>Scope and options of one signature.</summary>
public sealed record SigV4SigningParameters
{
    /// <summary>Region of the credential scope, e.g. <c>us-east-1</c>.</summary>
    public required string Region { get; init; }

    /// <summary>Signing name of the service, e.g. <c>kinesis</c>.</summary>
    public required string Service { get; init; }

    /// <summary>Signing time; becomes <c>X-Amz-Date</c> and the date of the credential scope (UTC).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public SigV4PathMode PathMode { get; init; } = SigV4PathMode.NormalizeAndEncode;

    public SigV4SessionTokenPlacement SessionTokenPlacement { get; init; } = SigV4SessionTokenPlacement.Signed;
}

/// <summary>The signature and its intermediate values (exposed so they can be compared with reference vectors).</summary>
/// <param name="CanonicalRequest">Task 1 of SigV4: the canonical request.</param>
/// <param name="StringToSign">Task 2: the string to sign.</param>
/// <param name="Signature">Task 3: lower-case hex HMAC-SHA256 signature.</param>
/// <param name="SignedHeaders">Semicolon-separated lower-case names of the signed headers.</param>
/// <param name="Authorization">Value of the <c>Authorization</c> header.</param>
/// <param name="Headers">
/// The complete header list of the signed request, in order: the input headers with <c>X-Amz-Date</c> (and
/// <c>X-Amz-Security-Token</c>) set, followed by <c>Authorization</c>.
/// </param>
public sealed record SigV4Signature(
    string CanonicalRequest,
    string StringToSign,
    string Signature,
    string SignedHeaders,
    string Authorization,
    IReadOnlyList<KeyValuePair<string, string>> Headers);
