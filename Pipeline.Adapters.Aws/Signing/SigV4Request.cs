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
