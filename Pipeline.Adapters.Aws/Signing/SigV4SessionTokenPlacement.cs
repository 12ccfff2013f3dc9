namespace Pipeline.Adapters.Aws.Signing;

/// <summary>Where the session token of temporary credentials goes.</summary>
public enum SigV4SessionTokenPlacement
{
    /// <summary><c>X-Amz-Security-Token</c> is added before signing and is one of the signed headers (most services).</summary>
    Signed,

    /// <summary><c>X-Amz-Security-Token</c> is added after the signature is computed and is not signed.</summary>
    AddedAfterSigning,
}
