using System.ComponentModel.DataAnnotations;

namespace Pipeline.Adapters.Google;

/// <summary>
/// Where the BigQuery warehouse lives and how to reach it. Bound from <c>Pipeline:Warehouse:BigQuery</c>.
/// </summary>
public sealed class BigQueryOptions
{
    /// <summary>Configuration section the host binds these options from.</summary>
    public const string SectionName = "Pipeline:Warehouse:BigQuery";

    /// <summary>The default REST root, <c>servicePath</c> included.</summary>
    public const string DefaultBaseUrl = "https://bigquery.googleapis.com/bigquery/v2/";

    /// <summary>The default media-upload root for load jobs.</summary>
    public const string DefaultUploadBaseUrl = "https://bigquery.googleapis.com/upload/bigquery/v2/";

    /// <summary>OAuth scope the access token is requested for.</summary>
    public const string Scope = "https://www.googleapis.com/auth/bigquery";

    /// <summary>Google Cloud project that owns the dataset and is billed for jobs.</summary>
    [Required, RegularExpression("^[a-z][a-z0-9:.-]{4,62}$", ErrorMessage = "ProjectId must be a Google Cloud project id.")]
    public string ProjectId { get; set; } = "";

    /// <summary>Dataset holding the warehouse tables; created when missing.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_]{1,1024}$", ErrorMessage = "DatasetId may hold letters, digits and underscores only.")]
    public string DatasetId { get; set; } = "pipeline";

    /// <summary>Dataset and job location, e.g. <c>US</c>, <c>EU</c> or <c>europe-west1</c>.</summary>
    [Required, RegularExpression("^[A-Za-z0-9-]{2,64}$")]
    public string Location { get; set; } = "US";

    /// <summary>Service-account key file; when empty, application-default credentials are used.</summary>
    public string? CredentialsPath { get; set; }

    /// <summary>REST root (ends with <c>bigquery/v2/</c>); only changed for tests.</summary>
    [Url]
    public string? BaseUrl { get; set; }

    /// <summary>Upload root (ends with <c>upload/bigquery/v2/</c>); only changed for tests.</summary>
    [Url]
    public string? UploadBaseUrl { get; set; }

    /// <summary>Delay between <c>jobs.get</c> polls of a running load job.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan JobPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for one job (load or query) before giving up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest newline-delimited JSON body sent in one multipart load; bigger loads are split into several jobs.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public int MaxUploadBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Age after which a staging table is taken for one a refresh left behind (it died between its load and its MERGE)
    /// and dropped by the warehouse's schema check; longer than any refresh runs.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "30.00:00:00")]
    public TimeSpan StagingTableMaxAge { get; set; } = TimeSpan.FromDays(1);

    internal Uri ResolvedBaseUrl => WithTrailingSlash(string.IsNullOrWhiteSpace(BaseUrl) ? DefaultBaseUrl : BaseUrl);

    internal Uri ResolvedUploadBaseUrl =>
        WithTrailingSlash(string.IsNullOrWhiteSpace(UploadBaseUrl) ? DefaultUploadBaseUrl : UploadBaseUrl);

    private static Uri WithTrailingSlash(string url) => new(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
}
