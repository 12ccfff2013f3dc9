namespace Pipeline.Core.Adapters.BigQuery;

/// <summary>Supplies the OAuth 2.0 bearer token sent with every BigQuery request.</summary>
public interface IBigQueryAccessTokenSource
{
    /// <summary>A currently valid access token (implementations cache and refresh it).</summary>
    ValueTask<string> GetAccessTokenAsync(CancellationToken ct);
}
