namespace Pipeline.Adapters.Aws.Signing;

/// <summary>
/// A resolved set of AWS credentials used to sign one request. <see cref="ToString"/> never prints the secret or the token.
/// </summary>
public sealed record AwsCredentials
{
    public AwsCredentials(string accessKeyId, string secretAccessKey, string? sessionToken = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(secretAccessKey);
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
    }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    /// <summary>The STS session token of temporary credentials, or null for long-term keys.</summary>
    public string? SessionToken { get; }

    public override string ToString() =>
        $"AwsCredentials {{ AccessKeyId = {AccessKeyId}, SessionToken = {(SessionToken is null ? "none" : "set")} }}";
}
