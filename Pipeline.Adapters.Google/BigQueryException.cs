
namespace Pipeline.Adapters.Google;

/// <summary>BigQuery refused a request or a job failed. <see cref="Errors"/> carries BigQuery's own reasons.</summary>
public class BigQueryException : Exception
{
    public BigQueryException(string message, IReadOnlyList<ErrorProto>? errors = null, Exception? inner = null)
        : base(message, inner)
    {
        Errors = errors ?? [];
    }

    /// <summary>BigQuery's error list (reason, location, message), possibly empty.</summary>
    public IReadOnlyList<ErrorProto> Errors { get; }

    /// <summary>The first error's reason (e.g. <c>notFound</c>, <c>duplicate</c>, <c>invalidQuery</c>), when known.</summary>
    public virtual string? Reason => Errors.Count > 0 ? Errors[0].Reason : null;
}
