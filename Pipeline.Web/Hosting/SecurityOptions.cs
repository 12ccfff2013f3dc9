namespace Pipeline.Web.Hosting;

/// <summary><c>Pipeline:Security</c>: the REST API's keys (several, for rotation).</summary>
public sealed class SecurityOptions
{
    public const string Section = "Pipeline:Security";

    /// <summary>A single key (<c>Pipeline:Security:ApiKey</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Several keys (<c>Pipeline:Security:ApiKeys:0</c>, …), all accepted, so a key can be rotated.</summary>
    public List<string> ApiKeys { get; set; } = [];

    public IEnumerable<string> AllKeys => ApiKeys.Append(ApiKey ?? "").Where(k => !string.IsNullOrWhiteSpace(k));
}
