namespace Pipeline.Core.Domain;

/// <summary>A webhook delivery's state: serialised <c>pending</c>, <c>delivered</c>, <c>failed</c> (every attempt used).</summary>
public enum DeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}
