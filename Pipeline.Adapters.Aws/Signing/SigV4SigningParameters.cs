namespace Pipeline.Adapters.Aws.Signing;

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
