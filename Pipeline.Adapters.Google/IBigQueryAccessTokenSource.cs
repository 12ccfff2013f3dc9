namespace Pipeline.Adapters.Google;

/// <summary>Supplies the OAuth 2.0 bearer token sent with every BigQuery request.</summary>
public interface IBigQueryAccessTokenSource
{
    /// <summary>A currently valid access token (implementations cache and refresh it).</summary>
    ValueTask<string> GetAccessTokenAsync(CancellationToken ct);
}
