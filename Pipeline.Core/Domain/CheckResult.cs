namespace Pipeline.Core.Domain;

/// <summary>
/// One data check of one source at one time: what it <paramref name="Observed"/> and what it <paramref name="Expected"/>,
/// both in words a person reads (e.g. "2 products with a null or negative price" and "none"). <paramref name="RefreshId"/>
/// is the warehouse refresh the check followed (null for a check run on demand).
/// </summary>
public sealed record CheckResult(
    string Check, string Source, CheckStatus Status, string Observed, string Expected, DateTimeOffset CheckedAt, string? RefreshId = null);
