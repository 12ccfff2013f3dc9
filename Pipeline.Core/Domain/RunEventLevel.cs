namespace Pipeline.Core.Domain;

/// <summary>How much an operator should care about a run event. Wire names: info, warning, error.</summary>
public enum RunEventLevel
{
    Info,
    Warning,
    Error,
}
