namespace Pipeline.Core.Domain;

/// <summary>A data check's outcome: serialised <c>passed</c>, <c>failed</c>.</summary>
public enum CheckStatus
{
    Passed,
    Failed,
}
