namespace Pipeline.Adapters.Aws.Signing;

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
