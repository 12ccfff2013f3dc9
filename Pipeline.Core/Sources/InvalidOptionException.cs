
namespace Pipeline.Core.Sources;

/// <summary>An option of a run request is invalid.</summary>
public sealed class InvalidOptionException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
